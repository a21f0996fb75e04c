/**
 * @module The status of the Task or Run resource a task executes: phase,
 * conditions, observedGeneration, per-step summary, times and exit code,
 * written to the store and to `.orchestrator/status/<project>/<kind>/<name>.yaml`
 * as it changes. Never written into a source manifest.
 */
import type { JsonObject } from "../../resources/types.js";
import { statusFilePath as statusFileOf, writeStoredStatusFile } from "../../reconcile/status-files.js";
import type { Home } from "../../store/home.js";
import type { Store, StoredResource } from "../../store/store.js";
import type { ItemRecord, RunRecord, TaskPhase, TaskRecord } from "../../store/task-store.js";

/** Where a task's state keeps the CamelCase reason it ended with (`NoItems`, `StepNotStarted`, `EngineError`). */
export const OUTCOME_REASON_KEY = "reason";
/** Where a task's state keeps why its loop stopped: `{stoppedBy, reason, cycle, step?, expression?}`. */
export const LOOP_STOP_KEY = "loop";

/** The reason a task ended with, from its state. */
export function outcomeReasonOf(task: Pick<TaskRecord, "state">): string | undefined {
  const r = task.state[OUTCOME_REASON_KEY];
  return typeof r === "string" && r !== "" ? r : undefined;
}

/** Why the task's loop stopped, from its state; undefined until it has. */
export function loopStopOf(task: Pick<TaskRecord, "state">): JsonObject | undefined {
  const l = task.state[LOOP_STOP_KEY];
  return l && typeof l === "object" && !Array.isArray(l) ? l : undefined;
}

export function statusFilePath(home: Home, project: string, kind: string, name: string): string {
  return statusFileOf(home, { project, kind, name });
}

function condition(type: string, status: "True" | "False" | "Unknown", reason: string, message: string, at: string): JsonObject {
  return { type, status, reason, message, lastTransitionTime: at };
}

function conditionsFor(phase: TaskPhase, message: string | null, at: string, reason?: string): JsonObject[] {
  switch (phase) {
    case "Pending":
      return [condition("Ready", "Unknown", "Pending", message ?? "waiting for a worker", at)];
    case "Running":
      return [condition("Ready", "Unknown", "Progressing", message ?? "running", at), condition("Reconciling", "True", "Progressing", message ?? "running", at)];
    case "Paused":
      return [condition("Ready", "False", "Paused", message ?? "paused", at)];
    case "Completed":
      return [condition("Ready", "True", "Succeeded", message ?? "completed", at)];
    case "Failed":
      return [condition("Ready", "False", reason ?? "Failed", message ?? "failed", at), condition("Stalled", "True", reason ?? "Failed", message ?? "failed", at)];
    case "Cancelled":
      return [condition("Ready", "False", "Cancelled", message ?? "cancelled", at)];
  }
}

/** One line per step (and item): its latest run. */
export function stepSummary(runs: readonly RunRecord[], itemPaths: ReadonlyMap<string, string>): JsonObject[] {
  const latest = new Map<string, RunRecord>();
  for (const r of runs) latest.set(`${r.stepId}/${r.itemId ?? ""}`, r);
  return [...latest.values()].map((r) => {
    const s: JsonObject = { id: r.stepId, status: r.status, cycle: r.cycle };
    if (r.parentStepId) s["parent"] = r.parentStepId;
    if (r.itemId) s["item"] = itemPaths.get(r.itemId) ?? r.itemId;
    if (r.exitCode !== null) s["exitCode"] = r.exitCode;
    if (r.agent) s["agent"] = r.agent;
    if (r.durationMs !== null) s["durationMs"] = r.durationMs;
    if (r.reason) s["reason"] = r.reason;
    return s;
  });
}

export function taskStatusObject(task: TaskRecord, runs: readonly RunRecord[], itemPaths: ReadonlyMap<string, string>, items: readonly ItemRecord[] = []): JsonObject {
  const at = task.updatedAt;
  const status: JsonObject = {
    phase: task.phase,
    taskId: task.id,
    conditions: conditionsFor(task.phase, task.message, at, outcomeReasonOf(task)),
    cycle: task.cycle,
    steps: stepSummary(runs, itemPaths),
  };
  const reason = outcomeReasonOf(task);
  if (reason && (task.phase === "Failed" || task.phase === "Completed")) status["reason"] = reason;
  const loop = loopStopOf(task);
  if (loop) status["loop"] = loop;
  if (items.length) status["items"] = items.map((i) => ({ path: i.path, status: i.status }));
  if (task.resourceGeneration !== null) status["observedGeneration"] = task.resourceGeneration;
  if (task.startedAt) status["startedAt"] = task.startedAt;
  if (task.finishedAt) status["finishedAt"] = task.finishedAt;
  if (task.exitCode !== null) status["exitCode"] = task.exitCode;
  if (task.message) status["message"] = task.message;
  return status;
}

/** Phases in which a runner stops: their status stays, so it always reaches the file. */
const SETTLED: ReadonlySet<string> = new Set(["Completed", "Failed", "Cancelled", "Paused", "Pending"]);

export interface PublishOptions {
  /** Write the status file for a status on the way (a settled one is always written). Default true. */
  file?: boolean;
}

/**
 * Writes a resource's status to the store, then its status file (the same
 * shape a reconcile pass writes). `live`: the resource as just read, when
 * the caller has it, so it is not read again for the file.
 */
export function publishStatus(store: Store, home: Home, key: { project: string; kind: string; name: string }, status: JsonObject, opts: PublishOptions = {}, live?: StoredResource): void {
  if (!store.setStatus(key, status)) return;
  const settled = SETTLED.has(String(status["phase"]));
  if (!settled && opts.file === false) return;
  const current = live ? { ...live, status } : store.getResource(key);
  if (current) writeStoredStatusFile(home, current);
}

/** Publishes the status of the resource a task executes, if it has one. */
export function publishTaskStatus(store: Store, home: Home, task: TaskRecord, runs: readonly RunRecord[], itemPaths: ReadonlyMap<string, string>, items: readonly ItemRecord[] = [], opts: PublishOptions = {}): void {
  if (!task.resourceKind || !task.resourceName) return;
  const live = store.getResource({ project: task.project, kind: task.resourceKind, name: task.resourceName });
  // A newer generation is someone else's to report.
  if (live && task.resourceGeneration !== null && live.generation !== task.resourceGeneration) return;
  publishStatus(store, home, { project: task.project, kind: task.resourceKind, name: task.resourceName }, taskStatusObject(task, runs, itemPaths, items), opts, live);
}
