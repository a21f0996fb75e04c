/**
 * @module Cancelling a trigger's active task for `concurrencyPolicy:
 * Replace`, as `task pause` stops one: the phase is set first (the runner
 * watching it stops its steps, killing their process groups, and records
 * them cancelled); then every step's process group is made sure to be gone,
 * and runs no live process will ever record are recorded cancelled here.
 */
import { terminateProcessGroup } from "../../engine/process/process-group.js";
import { publishTaskStatus } from "../../engine/runner/resource-status.js";
import type { Home } from "../../store/home.js";
import type { Store } from "../../store/store.js";
import { RunFinishedError, type TaskRecord, type TaskStore } from "../../store/task-store.js";
import { claimerAlive } from "../recovery.js";

export const ACTOR = "trigger";

/** How long the runner gets to stop the steps itself before their process groups are killed. */
const RUNNER_STOP_WAIT_MS = 2000;
/** SIGTERM to SIGKILL grace for a step's process group. */
const KILL_GRACE_MS = 3000;

/** Marks the task cancelled (synchronous, so it can share a write transaction with the firing). */
export function markCancelled(tasks: TaskStore, task: TaskRecord, reason: string): TaskRecord {
  return tasks.updateTask(task.id, { phase: "Cancelled", queued: false, message: reason }, ACTOR);
}

/** After markCancelled: publishes the resource status of a task no runner holds, and ends its steps. */
export async function finishCancellation(store: Store, tasks: TaskStore, home: Home, before: TaskRecord): Promise<void> {
  const task = tasks.getTask(before.id);
  if (!task) return;
  // A running task's runner publishes its status as it stops; one that never ran has no runner.
  if (before.phase !== "Running") publishTaskStatus(store, home, task, tasks.listRuns(task.id), new Map(), tasks.listItems(task.id));
  const running = tasks.listUnfinishedRuns(task.id);
  if (running.length === 0) return;
  await waitForRuns(tasks, task.id, RUNNER_STOP_WAIT_MS);
  for (const run of running) {
    const pgid = tasks.getRun(run.id)?.pgid ?? run.pgid;
    if (pgid) await terminateProcessGroup(pgid, { graceMs: KILL_GRACE_MS });
  }
  const open = await waitForRuns(tasks, task.id, 1000);
  if (open.length === 0 || claimerAlive(task.claimedBy)) return;
  for (const run of open) {
    try {
      tasks.finishRun(run.id, { status: "cancelled", exitCode: null, reason: "cancelled (replaced by a new firing of its trigger; the process running it was gone)" });
    } catch (err) {
      if (!(err instanceof RunFinishedError)) throw err;
    }
  }
}

async function waitForRuns(tasks: TaskStore, taskId: string, ms: number): Promise<ReturnType<TaskStore["listUnfinishedRuns"]>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = tasks.listUnfinishedRuns(taskId);
    if (open.length === 0 || Date.now() >= deadline) return open;
    await new Promise((r) => setTimeout(r, 50));
  }
}
