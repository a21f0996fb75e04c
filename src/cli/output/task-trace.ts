/**
 * @module A task's execution timeline for `task trace`: cycles (their times
 * from the `cycle_started`/`cycle_finished` events), each cycle's runs in
 * order with flags for non-zero exits, timeouts, skips and interruptions,
 * and the task's lifecycle events (pause, resume, recovery, retry) between
 * them. `buildTrace` is pure; `renderTrace` draws it for a terminal.
 */
import type { JsonObject } from "../../resources/types.js";
import type { StoredEvent } from "../../store/store.js";
import type { ItemRecord, RunRecord, TaskRecord } from "../../store/task-store.js";
import { runOutputView } from "./run-output.js";
import { renderSpawnTree, type SpawnNode } from "./spawn-tree.js";
import { formatDuration, paint, runDenials, runProfileName } from "./task-view.js";

/** What is worth a second look about a run. */
export type TraceFlag = "nonzero_exit" | "timed_out" | "skipped" | "interrupted" | "cancelled" | "unfinished";

export interface TraceRun {
  runId: string;
  step: string;
  item: string | null;
  itemId: string | null;
  agent: string | null;
  status: string;
  exitCode: number | null;
  durationMs: number | null;
  startedAt: string;
  finishedAt: string | null;
  reason: string | null;
  flags: TraceFlag[];
  /** The parsed agent output (artifacts, scores, captured variables), as `task info -o json` shows it. */
  output: JsonObject | null;
  /** The declared ExecutionProfile the run's process ran under; null for the implicit host and runs that started none. */
  profile: string | null;
  /** What the sandbox refused the run, with stable reason codes. */
  denials: Array<{ reasonCode: string; message: string }>;
}

export interface TraceCycle {
  cycle: number;
  startedAt: string | null;
  finishedAt: string | null;
  runs: TraceRun[];
}

export interface TraceEvent {
  ts: string;
  type: string;
  message: string;
}

export interface TaskTrace {
  task: { id: string; name: string; project: string; workflow: string | null; phase: string; exitCode: number | null; message: string | null; createdAt: string; startedAt: string | null; finishedAt: string | null };
  summary: { cycles: number; runs: number; failed: number; timedOut: number; skipped: number; interrupted: number; wallTimeMs: number | null };
  cycles: TraceCycle[];
  /** Task lifecycle events, oldest first (run and cycle events are in `cycles`). */
  events: TraceEvent[];
  /** The task whose step spawned this one. */
  parent: { taskId: string; name: string | null; step: string; depth: number } | null;
  /** The tasks this task's steps spawned, with theirs. */
  spawned: SpawnNode[];
}

const CYCLE_EVENT = /^cycle (\d+) (started|finished)/;
/** Events that are already told by runs and cycles (sandbox events by the run they are about). */
const RUN_EVENTS = new Set(["step_started", "run_result", "cycle_started", "cycle_finished", "sandbox_denied", "sandbox_unsupported"]);

export function runFlags(run: RunRecord): TraceFlag[] {
  const flags: TraceFlag[] = [];
  if (run.exitCode !== null && run.exitCode !== 0) flags.push("nonzero_exit");
  if (run.status === "timed_out") flags.push("timed_out");
  if (run.status === "skipped") flags.push("skipped");
  if (run.status === "interrupted") flags.push("interrupted");
  if (run.status === "cancelled") flags.push("cancelled");
  if (run.finishedAt === null) flags.push("unfinished");
  return flags;
}

export function buildTrace(
  task: TaskRecord,
  items: readonly ItemRecord[],
  runs: readonly RunRecord[],
  events: readonly StoredEvent[],
  family: { parentName?: string | null; spawned?: SpawnNode[] } = {},
): TaskTrace {
  const paths = new Map(items.map((i) => [i.id, i.path]));
  const cycles = new Map<number, TraceCycle>();
  const cycleOf = (n: number): TraceCycle => {
    let c = cycles.get(n);
    if (!c) cycles.set(n, (c = { cycle: n, startedAt: null, finishedAt: null, runs: [] }));
    return c;
  };
  const lifecycle: TraceEvent[] = [];
  for (const e of events) {
    const m = CYCLE_EVENT.exec(e.message);
    if ((e.type === "cycle_started" || e.type === "cycle_finished") && m) {
      const c = cycleOf(Number(m[1]));
      // A resumed cycle starts again: keep its first start and its last finish.
      if (e.type === "cycle_started") c.startedAt ??= e.ts;
      else c.finishedAt = e.ts;
    } else if (!RUN_EVENTS.has(e.type)) {
      lifecycle.push({ ts: e.ts, type: e.type, message: e.message });
    }
  }
  for (const r of runs) {
    cycleOf(r.cycle).runs.push({
      runId: r.id,
      step: r.stepId,
      item: r.itemId ? (paths.get(r.itemId) ?? null) : null,
      itemId: r.itemId,
      agent: r.agent,
      status: r.status,
      exitCode: r.exitCode,
      durationMs: r.durationMs,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      reason: r.reason,
      flags: runFlags(r),
      output: runOutputView(r.output),
      profile: runProfileName(r) || null,
      denials: runDenials(r).map((d) => ({ reasonCode: String(d["reason_code"] ?? ""), message: String(d["message"] ?? "") })),
    });
  }
  const count = (pred: (r: RunRecord) => boolean): number => runs.filter(pred).length;
  const start = task.startedAt ? Date.parse(task.startedAt) : NaN;
  const end = task.finishedAt ? Date.parse(task.finishedAt) : NaN;
  return {
    task: {
      id: task.id,
      name: task.name,
      project: task.project,
      workflow: task.workflow,
      phase: task.phase,
      exitCode: task.exitCode,
      message: task.message,
      createdAt: task.createdAt,
      startedAt: task.startedAt,
      finishedAt: task.finishedAt,
    },
    summary: {
      cycles: [...cycles.keys()].filter((n) => n > 0).length,
      runs: runs.length,
      failed: count((r) => r.status === "failed"),
      timedOut: count((r) => r.status === "timed_out"),
      skipped: count((r) => r.status === "skipped"),
      interrupted: count((r) => r.status === "interrupted" || r.status === "cancelled"),
      wallTimeMs: Number.isFinite(start) && Number.isFinite(end) ? end - start : null,
    },
    cycles: [...cycles.values()].sort((a, b) => a.cycle - b.cycle),
    events: lifecycle,
    parent: task.parent ? { taskId: task.parent.taskId, name: family.parentName ?? null, step: task.parent.step, depth: task.parent.depth } : null,
    spawned: family.spawned ?? [],
  };
}

const time = (iso: string | null): string => (iso ? iso.slice(11, 23) : "");

const MARK: Record<string, { mark: string; colour: "green" | "red" | "yellow" | "gray" }> = {
  succeeded: { mark: "✓", colour: "green" },
  failed: { mark: "✗", colour: "red" },
  timed_out: { mark: "⏱", colour: "red" },
  skipped: { mark: "⊘", colour: "gray" },
  interrupted: { mark: "↯", colour: "yellow" },
  cancelled: { mark: "↯", colour: "yellow" },
  running: { mark: "…", colour: "yellow" },
};

function runLine(r: TraceRun, width: number, colour: boolean): string {
  const m = MARK[r.status] ?? { mark: "?", colour: "gray" as const };
  const name = `${r.step}${r.item ? ` [${r.item}]` : ""}`.padEnd(width);
  const notes: string[] = [];
  if (r.agent) notes.push(`agent=${r.agent}`);
  if (r.profile) notes.push(`profile=${r.profile}`);
  if (r.flags.includes("nonzero_exit")) notes.push(`exit=${r.exitCode}`);
  if (r.status === "timed_out") notes.push("TIMED OUT");
  if (r.status === "skipped") notes.push("skipped");
  if (r.flags.includes("unfinished")) notes.push("unfinished");
  if (r.reason) notes.push(`(${r.reason})`);
  const duration = r.status === "skipped" ? "" : formatDuration(r.durationMs);
  const line = `  ${time(r.startedAt)}  ${paint(m.mark, m.colour, colour)} ${name}  ${duration.padStart(7)}  ${notes.join("  ")}`.trimEnd();
  // Each denial on its own line under the run, code first, as automation greps for it.
  const denied = r.denials.map((d) => `${" ".repeat(16)}${paint("⛔", "red", colour)} ${d.reasonCode}: ${d.message}`);
  return [line, ...denied].join("\n");
}

export function renderTrace(trace: TaskTrace, colour: boolean): string {
  const { task, summary } = trace;
  const issues = [
    summary.failed ? `${summary.failed} failed` : "",
    summary.timedOut ? `${summary.timedOut} timed out` : "",
    summary.skipped ? `${summary.skipped} skipped` : "",
    summary.interrupted ? `${summary.interrupted} interrupted` : "",
  ].filter(Boolean);
  let out = `Task ${task.name} (${task.id}) — ${task.phase}${task.message ? `: ${task.message}` : ""}\n`;
  out += `Wall time: ${summary.wallTimeMs === null ? "?" : formatDuration(summary.wallTimeMs)} | ${summary.cycles} cycle${summary.cycles === 1 ? "" : "s"} | ${summary.runs} run${summary.runs === 1 ? "" : "s"}${issues.length ? ` (${issues.join(", ")})` : ""}\n`;
  if (trace.parent) out += `Spawned by ${trace.parent.name ? `${trace.parent.name} (${trace.parent.taskId})` : trace.parent.taskId}, step ${trace.parent.step} (depth ${trace.parent.depth})\n`;
  const width = Math.max(10, ...trace.cycles.flatMap((c) => c.runs.map((r) => `${r.step}${r.item ? ` [${r.item}]` : ""}`.length)));
  // Lifecycle events are placed among the runs by time.
  const pending = [...trace.events];
  const eventsBefore = (ts: string | null): string => {
    let s = "";
    while (pending.length && ts !== null && pending[0]!.ts <= ts) {
      const e = pending.shift()!;
      s += `  ${time(e.ts)}  ${paint("•", "gray", colour)} ${e.type}: ${e.message}\n`;
    }
    return s;
  };
  for (const c of trace.cycles) {
    out += eventsBefore(c.startedAt ?? c.runs[0]?.startedAt ?? null);
    const head = `── Cycle ${c.cycle} `;
    out += `\n${head}${"─".repeat(Math.max(4, 44 - head.length))}\n`;
    if (c.runs.length === 0) out += "  (no runs)\n";
    for (const r of c.runs) out += eventsBefore(r.startedAt) + runLine(r, width, colour) + "\n";
  }
  if (pending.length) out += "\n" + eventsBefore("\uffff");
  if (trace.spawned.length) {
    const head = "── Spawned tasks ";
    out += `\n${head}${"─".repeat(Math.max(4, 44 - head.length))}\n${renderSpawnTree(trace.spawned, colour)}`;
  }
  return out;
}
