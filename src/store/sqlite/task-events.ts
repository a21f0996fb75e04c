/**
 * @module The events a task change records: which transitions are worth an
 * event, and what each one says. Pure; the store writes them in the same
 * transaction as the change. Events never carry a task's vars, a run's
 * command or its raw output; a `run_result` carries the run's parsed output
 * (already redacted by the engine as it streamed).
 */
import type { JsonObject } from "../../resources/types.js";
import type { NewEvent } from "../store.js";
import type { RunRecord, TaskEventType, TaskPhase, TaskRecord } from "../task-store.js";

/** The events about a task as a whole (the rest are about one run). */
export type TaskLifecycleEvent = Exclude<TaskEventType, "step_started" | "run_result">;

const VERB: Record<TaskLifecycleEvent, string> = {
  task_created: "created",
  task_queued: "queued",
  task_started: "started",
  task_paused: "paused",
  task_resumed: "resumed",
  task_completed: "completed",
  task_failed: "failed",
  task_cancelled: "cancelled",
  task_deleted: "deleted",
};

const TERMINAL_EVENT: Partial<Record<TaskPhase, TaskLifecycleEvent>> = {
  Completed: "task_completed",
  Failed: "task_failed",
  Cancelled: "task_cancelled",
};

/** Phases a task is resumed from: it stopped with work left to do. */
const RESUMABLE: ReadonlySet<TaskPhase> = new Set(["Paused", "Failed"]);

export function isTerminal(phase: TaskPhase): boolean {
  return phase === "Completed" || phase === "Failed" || phase === "Cancelled";
}

/**
 * The events one change from `before` to `after` records, in order. Leaving
 * Paused or Failed for Pending or Running is a resume (`task resume`, or
 * `task retry` of an item of a failed task); entering Running otherwise is a
 * start; going back into the queue is `task_queued`.
 */
export function transitionEvents(before: TaskRecord, after: TaskRecord): TaskLifecycleEvent[] {
  const out: TaskLifecycleEvent[] = [];
  if (before.phase !== after.phase) {
    const to = after.phase;
    if (RESUMABLE.has(before.phase) && (to === "Pending" || to === "Running")) out.push("task_resumed");
    else if (to === "Running") out.push("task_started");
    else if (to === "Paused") out.push("task_paused");
    else {
      const terminal = TERMINAL_EVENT[to];
      if (terminal) out.push(terminal);
    }
  }
  if (!before.queued && after.queued) out.push("task_queued");
  return out;
}

/** A task event: the resource columns name the Task or Run resource a declarative task executes. */
export function taskEvent(
  type: TaskLifecycleEvent,
  task: TaskRecord,
  actor: string | null,
  extra: JsonObject = {},
): NewEvent {
  const data: JsonObject = { task: task.name, phase: task.phase, origin: task.origin, ...extra };
  if (task.workflow !== null) data.workflow = task.workflow;
  if (task.spec.triggerDepth) data.triggerDepth = task.spec.triggerDepth;
  if (type === "task_created" && task.resourceGeneration !== null) data.generation = task.resourceGeneration;
  if (isTerminal(task.phase) || type === "task_deleted") {
    data.exitCode = task.exitCode;
    if (task.message !== null) data.message = task.message;
  }
  return {
    type,
    project: task.project,
    kind: task.resourceKind,
    name: task.resourceName,
    message: `task ${task.name} (${task.id}) ${VERB[type]}${type === "task_failed" && task.message ? `: ${task.message}` : ""}`,
    actor,
    taskId: task.id,
    data,
  };
}

/** Recorded when a run is created running. */
export function stepStartedEvent(run: RunRecord, task: TaskRecord, itemPath: string | null): NewEvent {
  return {
    type: "step_started",
    project: task.project,
    kind: task.resourceKind,
    name: task.resourceName,
    message: `step ${run.stepId} of task ${task.name} (${task.id}) started${itemPath ? ` on ${itemPath}` : ""}`,
    actor: run.agent,
    taskId: task.id,
    runId: run.id,
    data: { ...runIdentity(run, task, itemPath), startedAt: run.startedAt },
  };
}

/** The one RunResult event of a finished run. */
export function runResultEvent(run: RunRecord, task: TaskRecord, itemPath: string | null): NewEvent {
  const exit = run.exitCode === null ? "" : `exit ${run.exitCode}, `;
  return {
    type: "run_result",
    project: task.project,
    kind: task.resourceKind,
    name: task.resourceName,
    message: `step ${run.stepId} of task ${task.name} (${task.id}) ${run.status} (${exit}${run.durationMs ?? 0} ms)`,
    actor: run.agent,
    taskId: task.id,
    runId: run.id,
    data: {
      ...runIdentity(run, task, itemPath),
      exitCode: run.exitCode,
      status: run.status,
      reason: run.reason,
      durationMs: run.durationMs,
      logPath: run.logPath,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      ...parsedOutput(run.output),
    },
  };
}

/**
 * `output`: the parts of a run's stored output a person asks about, when it
 * has any: `artifacts`, `confidence`, `quality_score` and `captures` (the
 * variables its captures set). The stdout tail stays in the log.
 */
function parsedOutput(stored: JsonObject | null): JsonObject {
  if (!stored) return {};
  const out: JsonObject = {};
  const agent = stored["agent"];
  const agentArtifacts = agent && typeof agent === "object" && !Array.isArray(agent) ? agent["artifacts"] : undefined;
  const artifacts = Array.isArray(stored["artifacts"]) ? stored["artifacts"] : Array.isArray(agentArtifacts) ? agentArtifacts : undefined;
  if (artifacts && artifacts.length > 0) out["artifacts"] = artifacts;
  if (typeof stored["confidence"] === "number") out["confidence"] = stored["confidence"];
  if (typeof stored["quality_score"] === "number") out["quality_score"] = stored["quality_score"];
  const captures = stored["captures"];
  const vars = captures && typeof captures === "object" && !Array.isArray(captures) ? captures["vars"] : undefined;
  if (vars && typeof vars === "object" && !Array.isArray(vars) && Object.keys(vars).length > 0) out["captures"] = vars;
  return Object.keys(out).length > 0 ? { output: out } : {};
}

function runIdentity(run: RunRecord, task: TaskRecord, itemPath: string | null): JsonObject {
  return {
    runId: run.id,
    taskId: task.id,
    task: task.name,
    itemId: run.itemId,
    item: itemPath,
    step: run.stepId,
    ...(run.parentStepId ? { parentStep: run.parentStepId } : {}),
    cycle: run.cycle,
    agent: run.agent,
    logPath: run.logPath,
  };
}
