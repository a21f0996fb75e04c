/**
 * @module Controlling tasks: `task start`, `pause`, `resume`, `retry`,
 * `recover` and `delete`. Each changes the store (the controller notices on
 * its next poll) and, when work was queued, makes sure a controller runs.
 * Pause, resume and retry are also library functions (`pauseTask`,
 * `resumeTask`, `retryItem`) that the web view's actions call, so both make
 * the same checks and say the same things.
 */
import { hostname } from "node:os";
import { rmSync } from "node:fs";
import { isProcessAlive, terminateProcessGroup } from "../../engine/process/process-group.js";
import { markForRerun } from "../../engine/runner/rerun.js";
import { statusFilePath } from "../../engine/runner/resource-status.js";
import { ensureController } from "../../runtime/daemon.js";
import { recoverTask } from "../../runtime/recovery.js";
import { controllerStoreOf } from "../../store/controller-store.js";
import type { Home } from "../../store/home.js";
import type { ResourceChange, Store } from "../../store/store.js";
import { openTaskStore, RunFinishedError, type ItemRecord, type RunRecord, type TaskRecord, type TaskStore } from "../../store/task-store.js";
import { canPrompt, confirm } from "../confirm.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { writeErr, writeOut } from "../output/io.js";
import { isTerminalPhase, listTasksFiltered, parsePhase, resolveTaskRef, taskFromArgs, taskLabel } from "./task-select.js";

const ACTOR = "cli";
/** How long pause waits for the runner to stop its steps itself before killing their process groups. */
const RUNNER_STOP_WAIT_MS = 2000;
/** SIGTERM to SIGKILL grace for a step's process group. */
const KILL_GRACE_MS = 3000;

interface ProjectOption {
  project?: string;
}

interface DaemonOption {
  /** False with `--no-daemon`. */
  daemon?: boolean;
}

const scopeOf = (opts: ProjectOption): { project?: string } => (opts.project === undefined ? {} : { project: opts.project });

/** Makes sure a controller will run queued work, and says how. */
export async function queuedNote(home: Home, opts: DaemonOption): Promise<string> {
  const how = await ensureController(home, { noDaemon: opts.daemon === false });
  if (how === "running") return "the running controller will pick it up";
  if (how === "started") return "started a controller in the background (logs: .orchestrator/controller.log)";
  return "no controller runs: start one with `orchestrator controller`";
}

/**
 * Whether the process that claimed a task still lives: true or false when it
 * ran on this host, undefined when that cannot be told (another host, or unclaimed).
 */
function claimHolderAlive(task: TaskRecord): boolean | undefined {
  if (!task.claimedBy) return undefined;
  const [host, pid] = task.claimedBy.split(":");
  const n = Number(pid);
  if (host !== hostname() || !Number.isInteger(n) || n <= 1) return undefined;
  return isProcessAlive(n);
}

/** What can still be done with a finished task, by how it finished. */
function afterFinishHint(task: TaskRecord): string {
  switch (task.phase) {
    case "Failed":
      return `run its failed steps again with \`orchestrator task resume ${task.id}\``;
    case "Completed":
      return `run one of its items again with \`orchestrator task retry ITEM_ID\` (\`orchestrator task info ${task.id}\` lists them), or create a new task`;
    default:
      return "a cancelled task does not run again; create a new one with `orchestrator task create`";
  }
}

export async function taskStartCommand(ref: string | undefined, opts: ProjectOption & DaemonOption & { latest?: boolean }): Promise<void> {
  await withStore(async ({ store, home }) => {
    const tasks = openTaskStore(store);
    const task = taskFromArgs(tasks, ref, opts);
    const label = taskLabel(task);
    if (task.phase === "Running") throw new CliError(`task ${label} is already running`);
    if (task.phase === "Paused") throw new CliError(`task ${label} is paused; continue it with \`orchestrator task resume ${task.id}\``);
    if (isTerminalPhase(task.phase)) throw new CliError(`task ${label} already finished (${task.phase}); ${afterFinishHint(task)}`);
    if (task.queued) {
      writeOut(`task ${label} is already queued; ${await queuedNote(home, opts)}\n`);
      return;
    }
    tasks.updateTask(task.id, { queued: true, message: "started with `orchestrator task start`" }, ACTOR);
    writeOut(`task ${label} queued; ${await queuedNote(home, opts)}\n`);
  });
}

async function waitForRunsToFinish(tasks: TaskStore, taskId: string, ms: number): Promise<RunRecord[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = tasks.listUnfinishedRuns(taskId);
    if (open.length === 0 || Date.now() >= deadline) return open;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Stops the task's running steps. The runner watches the phase and stops
 * them itself, recording each as cancelled (so a resume runs it again);
 * then every step's process group is made sure to be gone (SIGTERM, SIGKILL
 * after a grace period), and runs that no live process will ever record
 * are recorded cancelled here.
 */
async function stopRunningSteps(tasks: TaskStore, task: TaskRecord): Promise<number> {
  const running = tasks.listUnfinishedRuns(task.id);
  if (running.length === 0) return 0;
  await waitForRunsToFinish(tasks, task.id, RUNNER_STOP_WAIT_MS);
  for (const run of running) {
    const pgid = tasks.getRun(run.id)?.pgid ?? run.pgid;
    if (pgid) await terminateProcessGroup(pgid, { graceMs: KILL_GRACE_MS });
  }
  const open = await waitForRunsToFinish(tasks, task.id, 1000);
  if (open.length && claimHolderAlive(task) === false) {
    for (const run of open) {
      try {
        tasks.finishRun(run.id, { status: "cancelled", exitCode: null, reason: "cancelled (task paused; the process running it was gone)" });
      } catch (err) {
        if (!(err instanceof RunFinishedError)) throw err;
      }
    }
  }
  return running.length;
}

/** Who asks for a task action, and how its messages and events name them. */
export interface TaskActionContext {
  store: Store;
  home: Home;
  /** The events' actor: `cli`, `web`. */
  actor: string;
  /** How the task's message says where it was asked from: "from the web view" (default "with `orchestrator task pause`"). */
  via?: string;
}

const viaOf = (ctx: TaskActionContext, command: string): string => ctx.via ?? `with \`orchestrator task ${command}\``;

/** Pauses a pending or running task and stops its running steps; the line to show. */
export async function pauseTask(ctx: TaskActionContext, ref: string, opts: ProjectOption = {}): Promise<string> {
  const tasks = openTaskStore(ctx.store);
  const task = resolveTaskRef(tasks, ref, scopeOf(opts));
  const label = taskLabel(task);
  if (task.phase === "Paused") return `task ${label} is already paused`;
  if (isTerminalPhase(task.phase)) throw new CliError(`task ${label} already finished (${task.phase}); only a pending or running task can be paused`);
  const paused = tasks.updateTask(task.id, { phase: "Paused", message: `paused ${viaOf(ctx, "pause")}` }, ctx.actor);
  const stopped = await stopRunningSteps(tasks, paused);
  const steps = stopped ? `; stopped ${stopped} running step${stopped === 1 ? "" : "s"}` : "";
  return `task ${label} paused${steps}; continue it with \`orchestrator task resume ${task.id}\``;
}

export async function taskPauseCommand(ref: string, opts: ProjectOption): Promise<void> {
  await withStore(async ({ store, home }) => {
    writeOut(`${await pauseTask({ store, home, actor: ACTOR }, ref, opts)}\n`);
  });
}

export type ResumeOptions = ProjectOption & DaemonOption & { resetBlocked?: boolean };

/** Queues a paused or failed task again (a failed one runs this cycle's failed steps again); the line to show. */
export async function resumeTask(ctx: TaskActionContext, ref: string, opts: ResumeOptions = {}): Promise<string> {
  const tasks = openTaskStore(ctx.store);
  const task = resolveTaskRef(tasks, ref, scopeOf(opts));
  const label = taskLabel(task);
  if (task.phase !== "Paused" && task.phase !== "Failed") {
    const hint =
      task.phase === "Pending"
        ? task.queued
          ? "it is already queued"
          : `it was never started: use \`orchestrator task start ${task.id}\``
        : task.phase === "Running"
          ? "it is running"
          : task.phase === "Completed"
            ? "it completed; run one item again with `orchestrator task retry ITEM_ID`"
            : "a cancelled task does not run again";
    throw new CliError(`task ${label} is ${task.phase}, not paused or failed; ${hint}`);
  }
  let state = task.state;
  if (task.phase === "Failed") {
    // A failed step is a finished step; resuming a failed task runs this cycle's failures again.
    const again = tasks.listRuns(task.id).filter((r) => r.cycle === task.cycle && (r.status === "failed" || r.status === "timed_out"));
    state = markForRerun(state, again.map((r) => r.id));
  }
  let reset = 0;
  if (opts.resetBlocked) {
    for (const item of tasks.listItems(task.id)) {
      if (item.status !== "blocked") continue;
      tasks.updateItem(item.id, { status: "pending" });
      reset++;
    }
  }
  tasks.updateTask(task.id, { phase: "Pending", queued: true, claimedBy: null, message: `resumed from ${task.phase.toLowerCase()}`, state }, ctx.actor);
  const blocked = opts.resetBlocked ? ` (${reset} blocked item${reset === 1 ? "" : "s"} set back to pending)` : "";
  return `task ${label} resumed${blocked}; ${await queuedNote(ctx.home, opts)}`;
}

export async function taskResumeCommand(ref: string, opts: ResumeOptions): Promise<void> {
  await withStore(async ({ store, home }) => {
    writeOut(`${await resumeTask({ store, home, actor: ACTOR }, ref, opts)}\n`);
  });
}

/** The item an id or unique id prefix names, or a CliError saying why there is none. */
function resolveItem(tasks: TaskStore, ref: string): ItemRecord {
  const matches = tasks.matchItems(ref);
  const [only] = matches;
  if (only === undefined) throw new CliError(`no item with id '${ref}' (or an id starting with it); \`orchestrator task info TASK\` lists a task's items with their ids`);
  if (matches.length > 1) {
    throw new CliError(`item reference '${ref}' is ambiguous: it matches ${matches.map((i) => `${i.id} (${i.path} of task ${i.taskId})`).join(", ")}; give more characters of the id`);
  }
  return only;
}

/** Sets one item back to pending and queues its task, to run the item's steps of this cycle again; the line to show. */
export async function retryItem(ctx: TaskActionContext, itemRef: string, opts: DaemonOption = {}): Promise<string> {
  const tasks = openTaskStore(ctx.store);
  const item = resolveItem(tasks, itemRef);
  const task = tasks.getTask(item.taskId);
  if (!task) throw new CliError(`item ${item.id} belongs to task ${item.taskId}, which no longer exists`);
  const label = taskLabel(task);
  if (task.phase === "Running") throw new CliError(`task ${label} is running; pause it first with \`orchestrator task pause ${task.id}\`, then retry the item`);
  // The item's finished runs of the current cycle are run again, from its first step.
  const again = tasks.listRuns(task.id).filter((r) => r.itemId === item.id && r.cycle === task.cycle && r.finishedAt !== null);
  tasks.updateItem(item.id, { status: "pending", failures: 0 });
  tasks.updateTask(task.id, { phase: "Pending", queued: true, claimedBy: null, message: `retrying item ${item.path}`, state: markForRerun(task.state, again.map((r) => r.id)) }, ctx.actor);
  ctx.store.appendEvent({
    type: "item_retried",
    project: task.project,
    kind: task.resourceKind,
    name: task.resourceName,
    taskId: task.id,
    message: `item ${item.path} (${item.id}) of task ${label} set back to pending and queued`,
    actor: ctx.actor,
    data: { itemId: item.id, item: item.path, previousStatus: item.status, cycle: task.cycle },
  });
  return `item ${item.path} (${item.id}) set back to pending; task ${label} queued; ${await queuedNote(ctx.home, opts)}`;
}

export async function taskRetryCommand(itemRef: string, opts: DaemonOption): Promise<void> {
  await withStore(async ({ store, home }) => {
    writeOut(`${await retryItem({ store, home, actor: ACTOR }, itemRef, opts)}\n`);
  });
}

export async function taskRecoverCommand(ref: string, opts: ProjectOption & DaemonOption): Promise<void> {
  await withStore(async ({ store, home }) => {
    const tasks = openTaskStore(store);
    const task = resolveTaskRef(tasks, ref, scopeOf(opts));
    const label = taskLabel(task);
    // On a shared store the claim may be another host's: its controller's live lease says it still runs the task.
    const registry = controllerStoreOf(store);
    const holder = registry.shared && task.claimedBy ? registry.listControllers().find((c) => task.claimedBy!.startsWith(`${c.id}:`)) : undefined;
    if (holder && !isTerminalPhase(task.phase) && task.phase !== "Paused") {
      throw new CliError(`task ${label} is being run by the controller on ${holder.host} (pid ${holder.pid}), whose lease is live; recover is for tasks whose controller died (another controller takes them over when its lease runs out). To stop it, use \`orchestrator task pause ${task.id}\``);
    }
    if (claimHolderAlive(task) === true && !isTerminalPhase(task.phase) && task.phase !== "Paused") {
      throw new CliError(`task ${label} is being run by a live process (${task.claimedBy}); recover is for tasks whose controller died. To stop it, use \`orchestrator task pause ${task.id}\``);
    }
    const result = await recoverTask(store, tasks, task.id, ACTOR);
    if (result.interruptedRuns === 0 && !result.task.queued) {
      writeOut(`nothing to recover: task ${label} is ${result.task.phase} with no unfinished runs\n`);
      return;
    }
    const runs = `${result.interruptedRuns} interrupted run${result.interruptedRuns === 1 ? "" : "s"}`;
    if (!result.task.queued) {
      writeOut(`task ${label} recovered (${runs}); it is ${result.task.phase}${result.task.phase === "Paused" ? `: continue it with \`orchestrator task resume ${task.id}\`` : ""}\n`);
      return;
    }
    writeOut(`task ${label} recovered (${runs}) and queued; ${await queuedNote(home, opts)}\n`);
  });
}

export interface TaskDeleteOptions extends ProjectOption {
  all?: boolean;
  status?: string;
  force?: boolean;
}

/** Origins of the Task/Run resources made for one imperative task (`task create`, `run`). */
const IMPERATIVE = new Set(["task-create", "run"]);

export async function taskDeleteCommand(refs: string[], opts: TaskDeleteOptions): Promise<void> {
  if (refs.length === 0 && !opts.all) throw new UsageError("give the tasks to delete (ids, id prefixes or names), or --all");
  if (refs.length > 0 && opts.all) throw new UsageError("give task ids or --all, not both");
  if (opts.status !== undefined && !opts.all) throw new UsageError("--status narrows --all; give --all with it");
  if (opts.status !== undefined) parsePhase(opts.status);
  await withStore(async ({ store, home }) => {
    const tasks = openTaskStore(store);
    const found = opts.all ? listTasksFiltered(tasks, opts) : refs.map((r) => resolveTaskRef(tasks, r, scopeOf(opts)));
    const targets = [...new Map(found.map((t) => [t.id, t])).values()];
    if (targets.length === 0) {
      writeOut("no tasks matched; nothing was deleted\n");
      return;
    }
    const running = targets.filter((t) => t.phase === "Running");
    if (running.length) {
      throw new CliError(
        running.map((t) => `task ${taskLabel(t)} is running; pause it first with \`orchestrator task pause ${t.id}\`, then delete it`).join("\n") + "\nnothing was deleted",
      );
    }
    const what = targets.length === 1 ? `task ${taskLabel(targets[0]!)}` : `${targets.length} tasks`;
    if (!opts.force) {
      if (!canPrompt()) throw new CliError(`refusing to delete ${what} without confirmation: no terminal to ask on; pass --force to delete`);
      if (!(await confirm(`Delete ${what}? ${targets.length === 1 ? "Its" : "Their"} events stay.`))) throw new CliError("aborted; nothing was deleted");
    }
    tasks.deleteTasks(targets.map((t) => t.id), ACTOR);

    // The Task/Run resource made for an imperative task goes with it; one from a source stays.
    const changes: ResourceChange[] = [];
    const lines: string[] = [];
    for (const t of targets) {
      lines.push(`task/${t.id} deleted${t.name !== t.id ? ` (${t.name})` : ""}`);
      if (!t.resourceKind || !t.resourceName) continue;
      const key = { project: t.project, kind: t.resourceKind, name: t.resourceName };
      const resource = store.getResource(key);
      if (!resource) continue;
      if (!IMPERATIVE.has(resource.origin.appliedBy)) {
        const ref = `${t.resourceKind.toLowerCase()}/${t.resourceName}`;
        const how = resource.origin.appliedBy === "cli" ? `delete it with \`orchestrator delete ${ref}\`` : `remove it from ${resource.origin.appliedBy}`;
        writeErr(`note: ${ref} was applied from a manifest and stays (it does not run again); to remove it, ${how}\n`);
        continue;
      }
      if (tasks.listTasks({ project: t.project, resourceKind: t.resourceKind, resourceName: t.resourceName }).length > 0) continue;
      changes.push({ op: "delete", key, reason: "deleted" });
      lines.push(`${t.resourceKind.toLowerCase()}/${t.resourceName} deleted`);
    }
    if (changes.length) {
      store.commit(changes, ACTOR);
      for (const c of changes) if (c.op === "delete") rmSync(statusFilePath(home, c.key.project, c.key.kind, c.key.name), { force: true });
    }
    writeOut(lines.map((l) => `${l}\n`).join(""));
  });
}
