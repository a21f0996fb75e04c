/**
 * @module How tasks, items and runs are shown: the stable JSON views of
 * `task list -o json` and `task info -o json`, the latest run per step, the
 * `task list` table columns, durations and phase colours.
 */
import type { JsonObject } from "../../resources/types.js";
import type { ItemRecord, RunRecord, TaskPhase, TaskRecord } from "../../store/task-store.js";
import { loopStopOf, outcomeReasonOf } from "../../engine/runner/resource-status.js";
import { formatAge } from "./age.js";
import { style } from "./color.js";
import { formatDuration } from "./duration.js";
import { runOutputView } from "./run-output.js";

export { formatDuration };

/** The workflow a task runs, or `template:<T>` for a direct assembly. */
export function workflowOf(task: TaskRecord): string {
  return task.workflow ?? (task.spec.template ? `template:${task.spec.template}` : "");
}

/** The JSON view of a task; its engine state stays out (it holds captured output). */
export function taskView(task: TaskRecord): JsonObject {
  const spec: JsonObject = { steps: task.spec.steps, vars: task.spec.vars, targetFiles: task.spec.targetFiles };
  if (task.spec.template !== undefined) spec["template"] = task.spec.template;
  if (task.spec.agentCapability !== undefined) spec["agentCapability"] = task.spec.agentCapability;
  if (task.spec.profile !== undefined) spec["profile"] = task.spec.profile;
  return {
    id: task.id,
    name: task.name,
    project: task.project,
    origin: task.origin,
    resource: task.resourceKind && task.resourceName ? { kind: task.resourceKind, name: task.resourceName, generation: task.resourceGeneration } : null,
    workflow: task.workflow,
    workspace: task.workspace,
    goal: task.goal,
    spec,
    phase: task.phase,
    queued: task.queued,
    claimedBy: task.claimedBy,
    cycle: task.cycle,
    exitCode: task.exitCode,
    message: task.message,
    reason: outcomeReasonOf(task) ?? null,
    loop: loopStopOf(task) ?? null,
    parent: task.parent ? { taskId: task.parent.taskId, step: task.parent.step, depth: task.parent.depth } : null,
    createdAt: task.createdAt,
    startedAt: task.startedAt,
    finishedAt: task.finishedAt,
    updatedAt: task.updatedAt,
  };
}

export function itemView(item: ItemRecord): JsonObject {
  return {
    id: item.id,
    path: item.path,
    status: item.status,
    failures: item.failures,
    vars: item.vars,
    source: item.source ?? "static",
    label: item.label ?? null,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

/** A run as shown, with its parsed output; its raw output (the stdout tail) stays in the log. */
export function runView(run: RunRecord, itemPaths: ReadonlyMap<string, string>): JsonObject {
  const view: JsonObject = {
    id: run.id,
    step: run.stepId,
    parentStep: run.parentStepId,
    cycle: run.cycle,
    itemId: run.itemId,
    item: run.itemId ? (itemPaths.get(run.itemId) ?? null) : null,
    agent: run.agent,
    command: run.command,
    status: run.status,
    exitCode: run.exitCode,
    reason: run.reason,
    durationMs: run.durationMs,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    logPath: run.logPath,
    pid: run.pid,
    pgid: run.pgid,
    output: runOutputView(run.output),
  };
  const out = run.output ?? {};
  if (typeof out["confidence"] === "number") view["confidence"] = out["confidence"];
  if (typeof out["quality_score"] === "number") view["qualityScore"] = out["quality_score"];
  // The boundary the run's process ran in (absent for builtins and skips, which start none), and what it refused.
  view["profile"] = isObject(out["profile"]) ? out["profile"] : null;
  view["denials"] = runDenials(run);
  // The agent's command_rules entry that gave the command, when one did.
  view["commandRule"] = typeof out["command_rule"] === "number" ? out["command_rule"] : null;
  return view;
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** The name of the declared profile a run ran under; "" for the implicit host and for runs that started no process. */
export function runProfileName(run: RunRecord): string {
  const p = run.output?.["profile"];
  return isObject(p) && typeof p["name"] === "string" && p["declared"] === true ? p["name"] : "";
}

/** What the sandbox refused the run (`reason_code`, `message`, ...). */
export function runDenials(run: RunRecord): JsonObject[] {
  const d = run.output?.["denials"];
  return Array.isArray(d) ? d.filter(isObject) : [];
}

/** Item id -> path, for naming items in output. */
export function itemPathMap(items: readonly ItemRecord[]): Map<string, string> {
  return new Map(items.map((i) => [i.id, i.path]));
}

/** The latest run of each step for each item, in the order the steps first ran. */
export function latestRunPerStep(runs: readonly RunRecord[]): RunRecord[] {
  // Map.set on an existing key keeps its place: first-run order, latest value.
  const latest = new Map<string, RunRecord>();
  for (const r of runs) latest.set(`${r.stepId}\u0000${r.itemId ?? ""}`, r);
  return [...latest.values()];
}

/** One step's latest run as shown by `task info` and `task watch`. */
export function stepView(run: RunRecord, itemPaths: ReadonlyMap<string, string>): JsonObject {
  return {
    step: run.stepId,
    parentStep: run.parentStepId,
    item: run.itemId ? (itemPaths.get(run.itemId) ?? run.itemId) : null,
    status: run.status,
    cycle: run.cycle,
    exitCode: run.exitCode,
    durationMs: run.durationMs,
    agent: run.agent,
    reason: run.reason,
  };
}

export interface TaskColumn {
  header: string;
  value: (t: TaskRecord) => string;
}

const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim();
const truncate = (s: string, n = 60): string => (s.length > n ? s.slice(0, n - 1) + "…" : s);

/**
 * `task list` columns; `wide` adds resource, times and message. Listing
 * every project puts PROJECT first, as `kubectl get -A` does NAMESPACE;
 * listing one, `wide` shows it after the others.
 */
export function taskColumns(wide: boolean, allProjects: boolean, now: number = Date.now()): TaskColumn[] {
  const project: TaskColumn = { header: "PROJECT", value: (t) => t.project };
  const cols: TaskColumn[] = [
    ...(allProjects ? [project] : []),
    { header: "ID", value: (t) => t.id },
    { header: "NAME", value: (t) => t.name },
    { header: "WORKFLOW", value: workflowOf },
    { header: "PHASE", value: (t) => t.phase },
    { header: "CYCLE", value: (t) => String(t.cycle) },
    { header: "AGE", value: (t) => formatAge(t.createdAt, now) },
  ];
  if (wide) {
    cols.push(
      ...(allProjects ? [] : [project]),
      { header: "RESOURCE", value: (t) => (t.resourceKind && t.resourceName ? `${t.resourceKind.toLowerCase()}/${t.resourceName}` : "") },
      { header: "STARTED", value: (t) => t.startedAt ?? "" },
      { header: "FINISHED", value: (t) => t.finishedAt ?? "" },
      { header: "MESSAGE", value: (t) => truncate(oneLine(t.message ?? "")) },
    );
  }
  return cols;
}

export type Colour = "green" | "red" | "yellow" | "gray" | "bold";

/** `text` in a colour when colour is enabled (see color.ts: --color, NO_COLOR, FORCE_COLOR, a terminal). */
export function paint(text: string, colour: Colour | undefined, enabled: boolean): string {
  if (!colour) return text;
  return style(colour, text, enabled);
}

/** The colour of a task phase, run status or item status. */
export function phaseColour(phase: TaskPhase | string): Colour | undefined {
  switch (phase.toLowerCase()) {
    case "completed":
    case "succeeded":
    case "resolved":
      return "green";
    case "failed":
    case "timed_out":
    case "unresolved":
    case "blocked":
      return "red";
    case "running":
    case "paused":
    case "interrupted":
      return "yellow";
    case "cancelled":
    case "skipped":
      return "gray";
    default:
      return undefined;
  }
}
