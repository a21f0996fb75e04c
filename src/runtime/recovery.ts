/**
 * @module Crash recovery: what a controller does with work a dead controller
 * left behind. Interrupted runs are marked `interrupted` once their
 * processes are gone (the group recorded for the run, and any process
 * started with its run id, which finds a step whose group was never
 * recorded), and once the dead engine's helper, still ending its steps,
 * has finished; their tasks are queued again and resume from the
 * interrupted step. Completed steps are not run twice, and an interrupted
 * one never runs beside a copy of itself.
 */
import { hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import { helpersOf } from "../engine/process/helper-processes.js";
import type { Store } from "../store/store.js";
import type { RunRecord, TaskRecord, TaskStore } from "../store/task-store.js";
import { isProcessAlive, processGroupsWithEnv, RUN_ID_ENV, terminateProcessGroup } from "../engine/process/process-group.js";
import { heldMessage, resumesOnItsOwn } from "../engine/runner/runtime-policy.js";
import { inflightSettings, waitForInflight, type InflightOutcome } from "./inflight.js";

/** How the wait for a step left running ended, for the interrupted run's reason. */
const INFLIGHT_NOTE: Record<InflightOutcome, string> = {
  "not-waited": "",
  finished: "; waited for it to finish (safety.inflight_wait_timeout_secs)",
  silent: "; waited for it until it fell silent (safety.inflight_heartbeat_grace_secs)",
  "timed-out": "; waited for it until safety.inflight_wait_timeout_secs ran out",
};

/**
 * Claims look like `<host>:<pid>:...`; a claim by a live process on this
 * host is not orphaned. Our own pid under a claim we did not make was a
 * process before us (a restarted container reuses low pids).
 */
export function claimerAlive(claimedBy: string | null, ownClaimPrefix?: string): boolean {
  if (!claimedBy) return false;
  const [host, pid] = claimedBy.split(":");
  if (host !== hostname() || !Number.isInteger(Number(pid))) return false;
  if (Number(pid) === process.pid && ownClaimPrefix !== undefined && !claimedBy.startsWith(ownClaimPrefix)) return false;
  return isProcessAlive(Number(pid));
}

/** Ends whatever still runs of a run: its recorded group and every process started with its run id. */
export async function endRunProcesses(run: Pick<RunRecord, "id" | "pgid">): Promise<void> {
  const groups = new Set(processGroupsWithEnv(RUN_ID_ENV, run.id));
  if (run.pgid) groups.add(run.pgid);
  await Promise.all([...groups].map((g) => terminateProcessGroup(g, { graceMs: 2000 })));
}

export interface RecoveryResult {
  task: TaskRecord;
  interruptedRuns: number;
}

/**
 * Waits (a few seconds at most) for the helper of a dead engine on this host
 * to finish ending its steps: a step the engine was starting when it died
 * may not have shown its run id yet, and the helper goes on looking for it.
 */
async function helperDone(claimedBy: string | null): Promise<void> {
  const [host, pid] = (claimedBy ?? "").split(":");
  if (host !== hostname() || !Number.isInteger(Number(pid)) || Number(pid) <= 1) return;
  const deadline = Date.now() + HELPER_WAIT_MS;
  while (helpersOf(Number(pid)).length > 0 && Date.now() < deadline) await delay(50);
}

/** Longer than a helper takes to end its engine's steps (SIGKILL after one second). */
const HELPER_WAIT_MS = 5000;

/** Recovers one task: kills and marks its unfinished runs, then requeues it (unless paused or finished). */
export async function recoverTask(store: Store, tasks: TaskStore, taskId: string, actor: string): Promise<RecoveryResult> {
  let interruptedRuns = 0;
  const inflight = inflightSettings(store, tasks.getTask(taskId)!);
  const unfinished = tasks.listUnfinishedRuns(taskId);
  const claimedBy = tasks.getTask(taskId)?.claimedBy ?? null;
  // A step another host ran cannot be seen or ended from here; its own host's helper ended it when its controller died.
  const here = claimedBy === null || claimedBy.split(":")[0] === hostname();
  if (unfinished.length > 0) await helperDone(claimedBy);
  for (const run of unfinished) {
    // safety.inflight_wait_timeout_secs: a step still at work (one that outlived its controller's helper) may finish before it is ended.
    const waited = here && run.pgid ? await waitForInflight(run, inflight) : "not-waited";
    if (here) await endRunProcesses(run);
    tasks.finishRun(run.id, { status: "interrupted", exitCode: null, reason: `the controller running this step stopped unexpectedly${INFLIGHT_NOTE[waited]}` });
    interruptedRuns++;
  }
  let task = tasks.getTask(taskId)!;
  if (task.phase === "Running" || (task.phase === "Pending" && task.claimedBy)) {
    // A RuntimePolicy with resume.auto: false leaves it for a person to resume.
    task = resumesOnItsOwn(store, task.project)
      ? tasks.updateTask(taskId, { phase: "Pending", queued: true, claimedBy: null, message: "recovered after the controller stopped; resuming from the interrupted step" }, actor)
      : tasks.updateTask(taskId, { phase: "Paused", queued: false, claimedBy: null, message: heldMessage("recovered after the controller stopped") }, actor);
    store.appendEvent({ type: "task_recovered", taskId, project: task.project, message: `task recovered (${interruptedRuns} interrupted run(s))`, actor });
  }
  return { task, interruptedRuns };
}

/**
 * Recovers the tasks of controllers whose lease was reaped (by this
 * controller, so no other recovers them too): each is claimed by a worker
 * id that starts with the controller's id.
 */
export async function recoverReaped(store: Store, tasks: TaskStore, controllerIds: readonly string[], actor: string): Promise<RecoveryResult[]> {
  const out: RecoveryResult[] = [];
  const ofReaped = (claimedBy: string | null): boolean => claimedBy !== null && controllerIds.some((id) => claimedBy.startsWith(`${id}:`));
  for (const t of tasks.listClaimedTasks()) {
    if (ofReaped(t.claimedBy)) out.push(await recoverTask(store, tasks, t.id, actor));
  }
  return out;
}

/**
 * Recovers every task claimed by a worker other than `liveWorkerPrefix`
 * whose claimer is gone: on this host, a dead process; `alive` says which
 * other claimers still hold their tasks (a live controller's lease).
 */
export async function recoverOrphans(
  store: Store,
  tasks: TaskStore,
  liveWorkerPrefix: string,
  actor: string,
  heldElsewhere: (claimedBy: string) => boolean = () => false,
): Promise<RecoveryResult[]> {
  const out: RecoveryResult[] = [];
  for (const t of tasks.listClaimedTasks()) {
    if (t.claimedBy?.startsWith(liveWorkerPrefix) || claimerAlive(t.claimedBy, liveWorkerPrefix) || (t.claimedBy !== null && heldElsewhere(t.claimedBy))) continue;
    out.push(await recoverTask(store, tasks, t.id, actor));
  }
  // Runs left unfinished by a task that is no longer claimed (e.g. paused mid-step by a dead controller).
  for (const run of tasks.listUnfinishedRuns()) {
    const t = tasks.getTask(run.taskId);
    if (!t || t.claimedBy?.startsWith(liveWorkerPrefix) || claimerAlive(t.claimedBy, liveWorkerPrefix) || (t.claimedBy !== null && heldElsewhere(t.claimedBy))) continue;
    if (out.some((r) => r.task.id === t.id)) continue;
    out.push(await recoverTask(store, tasks, run.taskId, actor));
  }
  return out;
}
