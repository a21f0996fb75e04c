/**
 * @module What `task watch` shows: on a terminal, a panel (task phase and
 * cycle over a table of the latest run of each step and item); without one,
 * a line for each change since the last look. Pure: the command polls and
 * writes.
 */
import type { ItemRecord, RunRecord, TaskRecord } from "../../store/task-store.js";
import { formatAge } from "./age.js";
import { renderTable } from "./table.js";
import { formatDuration, itemPathMap, latestRunPerStep, paint, phaseColour, workflowOf } from "./task-view.js";

export interface WatchSnapshot {
  task: TaskRecord;
  items: readonly ItemRecord[];
  runs: readonly RunRecord[];
}

/** A run's duration, or for a running one the time since it started. */
function elapsed(run: RunRecord, now: number): string {
  if (run.durationMs !== null) return formatDuration(run.durationMs);
  const started = Date.parse(run.startedAt);
  return Number.isFinite(started) ? formatDuration(Math.max(0, now - started)) : "";
}

function itemSummary(items: readonly ItemRecord[]): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.status, (counts.get(i.status) ?? 0) + 1);
  return `${items.length} (${[...counts.entries()].map(([s, n]) => `${n} ${s}`).join(", ")})`;
}

/** The panel a terminal shows, redrawn on each refresh. */
export function renderPanel(s: WatchSnapshot, colour: boolean, now: number = Date.now()): string {
  const { task } = s;
  const paths = itemPathMap(s.items);
  const head =
    `${paint(`task ${task.name}`, "bold", colour)} (${task.id})   ` +
    `phase ${paint(task.phase, phaseColour(task.phase), colour)}   cycle ${task.cycle}   ` +
    `workflow ${workflowOf(task)}   age ${formatAge(task.createdAt, now)}\n`;
  let out = head;
  if (task.message) out += `${task.message}\n`;
  if (s.items.some((i) => i.path !== "")) out += `items: ${itemSummary(s.items)}\n`;
  out += "\n";
  const latest = latestRunPerStep(s.runs);
  if (latest.length === 0) return out + "no steps have run yet\n";
  const rows = latest.map((r) => [
    r.stepId,
    r.itemId ? (paths.get(r.itemId) ?? r.itemId) : "",
    r.status,
    String(r.cycle),
    r.exitCode === null ? "" : String(r.exitCode),
    elapsed(r, now),
    r.agent ?? "",
  ]);
  const lines = renderTable(["STEP", "ITEM", "STATUS", "CYCLE", "EXIT", "DURATION", "AGENT"], rows).split("\n");
  // Whole rows are coloured so that escape codes do not upset the column widths.
  return (
    out +
    lines
      .map((line, i) => (i === 0 ? line : i - 1 < latest.length ? paint(line, phaseColour(latest[i - 1]!.status), colour) : line))
      .join("\n")
  );
}

/** What was last reported, keyed by what it is about. */
export type WatchState = Map<string, string>;

/** One line per thing that changed since `prev` (everything, the first time). */
export function changeLines(prev: WatchState, s: WatchSnapshot, stamp: string): { lines: string[]; state: WatchState } {
  const state: WatchState = new Map();
  const lines: string[] = [];
  const report = (key: string, text: string): void => {
    state.set(key, text);
    if (prev.get(key) !== text) lines.push(`${stamp} ${text}`);
  };
  const { task } = s;
  const taskLine = (): void => report("task", `task ${task.name} (${task.id}) ${task.phase} cycle ${task.cycle}${task.message ? `: ${task.message}` : ""}`);
  // A task's start reads before its steps, its end after them.
  const ended = task.phase === "Completed" || task.phase === "Failed" || task.phase === "Cancelled";
  if (!ended) taskLine();
  const paths = itemPathMap(s.items);
  for (const r of s.runs) {
    const item = r.itemId ? ` [${paths.get(r.itemId) ?? r.itemId}]` : "";
    const facts: string[] = [`run ${r.id}`, `cycle ${r.cycle}`];
    if (r.agent) facts.push(`agent ${r.agent}`);
    if (r.exitCode !== null) facts.push(`exit ${r.exitCode}`);
    if (r.durationMs !== null) facts.push(formatDuration(r.durationMs));
    if (r.reason) facts.push(r.reason);
    report(`run:${r.id}`, `step ${r.stepId}${item} ${r.status} (${facts.join(", ")})`);
  }
  if (ended) taskLine();
  return { lines, state };
}
