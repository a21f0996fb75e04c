/**
 * @module What a firing does and what history a trigger keeps, pure, as a
 * Kubernetes CronJob decides them: `concurrencyPolicy` against the tasks of
 * the trigger still active, `historyLimit` over the finished ones, and
 * `throttle.minInterval` since the last firing.
 */
import type { TaskOrigin, TaskPhase } from "../../store/task-store.js";
import type { ConcurrencyPolicy, HistoryLimit } from "./spec.js";

/** What policy and history need of a task. */
export interface TaskFacts {
  id: string;
  phase: TaskPhase;
  createdAt: string;
}

/** A task is active until it finishes: pending (queued or not started), running or paused. */
export function isActive(phase: TaskPhase): boolean {
  return phase === "Pending" || phase === "Running" || phase === "Paused";
}

/**
 * The human name of the tasks a trigger creates (as upstream names them);
 * together with `origin: trigger` and the project it says whose they are.
 */
export function triggerTaskName(trigger: string): string {
  return `trigger-${trigger}`;
}

export function isTaskOfTrigger(task: { origin: TaskOrigin | string; project: string; name: string }, trigger: { project: string; name: string }): boolean {
  return task.origin === "trigger" && task.project === trigger.project && task.name === triggerTaskName(trigger.name);
}

export type FiringDecision =
  | { fire: true; cancel: string[] }
  | { fire: false; reason: "concurrent_task_active"; active: string[] };

/**
 * Allow: start another. Forbid: skip this firing while one is active.
 * Replace: cancel the active ones, then start the new one.
 */
export function decideFiring(policy: ConcurrencyPolicy, tasks: readonly TaskFacts[]): FiringDecision {
  const active = tasks.filter((t) => isActive(t.phase)).map((t) => t.id);
  if (active.length === 0 || policy === "Allow") return { fire: true, cancel: [] };
  if (policy === "Forbid") return { fire: false, reason: "concurrent_task_active", active };
  return { fire: true, cancel: active };
}

/**
 * Finished tasks beyond the limits, oldest first: completed ones count
 * against `successful`; failed and cancelled ones against `failed`.
 * The newest are kept; active tasks are never pruned.
 */
export function tasksToPrune(tasks: readonly TaskFacts[], limit: HistoryLimit): string[] {
  // Oldest first by creation time; tasks created in the same millisecond keep their listed order.
  const oldestFirst = tasks.map((t, i) => ({ t, i })).sort((a, b) => (a.t.createdAt < b.t.createdAt ? -1 : a.t.createdAt > b.t.createdAt ? 1 : a.i - b.i)).map((x) => x.t);
  const newestFirst = [...oldestFirst].reverse();
  const beyond = new Set([
    ...newestFirst.filter((t) => t.phase === "Completed").slice(limit.successful),
    ...newestFirst.filter((t) => t.phase === "Failed" || t.phase === "Cancelled").slice(limit.failed),
  ]);
  return oldestFirst.filter((t) => beyond.has(t)).map((t) => t.id);
}

/**
 * `throttle.minInterval`: when a trigger that last fired at `lastFiringTime`
 * may fire again (ISO time), or undefined when it may fire now.
 */
export function throttleWait(minIntervalSecs: number, lastFiringTime: string | undefined, nowMs: number): string | undefined {
  if (!(minIntervalSecs > 0) || lastFiringTime === undefined) return undefined;
  const last = Date.parse(lastFiringTime);
  if (!Number.isFinite(last)) return undefined;
  const allowedAt = last + minIntervalSecs * 1000;
  return nowMs < allowedAt ? new Date(allowedAt).toISOString() : undefined;
}
