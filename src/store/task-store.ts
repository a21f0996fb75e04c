/**
 * @module The TaskStore interface: the execution side of the store — tasks
 * (and Runs, which are tasks with `origin: run`), their items, every step
 * execution (a RunResult) and the queue workers claim from.
 */
import type { JsonObject } from "../resources/types.js";
import type { Store } from "./store.js";

export type TaskPhase = "Pending" | "Running" | "Paused" | "Completed" | "Failed" | "Cancelled";

/** Where a task came from. */
export type TaskOrigin = "cli" | "run" | "manifest" | "trigger" | "spawn";

export interface TaskRecord {
  id: string;
  /** Human name (`task create --name`, or the Task/Run resource name). */
  name: string;
  project: string;
  origin: TaskOrigin;
  /** For declarative Tasks/Runs: the resource kind, name and generation it executes. */
  resourceKind: "Task" | "Run" | null;
  resourceName: string | null;
  resourceGeneration: number | null;
  workflow: string | null;
  workspace: string | null;
  goal: string;
  /** The execution request: step filter, --set vars, target files, direct-assembly fields. */
  spec: TaskSpecRecord;
  phase: TaskPhase;
  /** Queued tasks wait for a worker; a claimed task records who runs it. */
  queued: boolean;
  claimedBy: string | null;
  cycle: number;
  /** Engine state that must survive a restart (pipeline variables, loop state). */
  state: JsonObject;
  exitCode: number | null;
  message: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  /** Set on a task a step spawned (`spawn_task`, `spawn_tasks`): who spawned it, and how deep below a root task it is. */
  parent?: TaskParent;
}

/** Where a spawned task came from. */
export interface TaskParent {
  taskId: string;
  /** The step whose post-action spawned it. */
  step: string;
  /** 1 for a child of a task nobody spawned, 2 for a grandchild, ... */
  depth: number;
}

export interface TaskSpecRecord {
  steps: string[];
  vars: Record<string, string>;
  targetFiles: string[];
  /** Direct assembly (`run --template T --agent-capability C [--profile P]`). */
  template?: string;
  agentCapability?: string;
  profile?: string;
  /**
   * How many trigger firings deep the task is: a task a trigger made because
   * another task finished is one deeper than that task (see
   * src/runtime/triggers/chain.ts). Absent for 0.
   */
  triggerDepth?: number;
}

export interface NewTask {
  name: string;
  project: string;
  origin: TaskOrigin;
  resourceKind?: "Task" | "Run" | null;
  resourceName?: string | null;
  resourceGeneration?: number | null;
  workflow: string | null;
  workspace: string | null;
  goal: string;
  spec: TaskSpecRecord;
  /** False for `--no-start`: created Pending but not queued. */
  queued: boolean;
  parent?: TaskParent;
}

/**
 * An item's status: the engine's and finalize rules' own (`qa_passed`,
 * `fixed`, `verified`, `unresolved`, `eliminated`, ...) or any status a
 * workflow's rules or `set_status` name.
 */
export type ItemStatus =
  | "pending"
  | "running"
  | "resolved"
  | "unresolved"
  | "blocked"
  | "skipped"
  | "failed"
  | "qa_passed"
  | "qa_failed"
  | "fixed"
  | "verified"
  | "eliminated"
  | (string & {});

export interface ItemRecord {
  id: string;
  taskId: string;
  /** Path relative to the workspace root (`docs/qa/login.md`); "" for the task-level pseudo item. */
  path: string;
  status: ItemStatus;
  vars: JsonObject;
  /** Step executions of this item that failed or timed out, since it was created or last retried. */
  failures: number;
  /** `generated`: made at run time by a `generate_items` post-action; otherwise from qa_targets or target files. */
  source?: ItemSource;
  /** A generated item's label (`mapping.label`). */
  label?: string;
  createdAt: string;
  updatedAt: string;
}

export type ItemSource = "static" | "generated";

/** An item to create. */
export interface NewItem {
  path: string;
  vars?: JsonObject;
  source?: ItemSource;
  label?: string;
}

export type RunStatus = "running" | "succeeded" | "failed" | "timed_out" | "skipped" | "interrupted" | "cancelled";

/** One step execution: the RunResult record. */
export interface RunRecord {
  id: string;
  taskId: string;
  itemId: string | null;
  stepId: string;
  /** For a child of a chain step: that step's id. */
  parentStepId: string | null;
  cycle: number;
  agent: string | null;
  /** The capability the agent was chosen for (agent steps only); selection history is kept per capability. */
  capability: string | null;
  command: string | null;
  status: RunStatus;
  exitCode: number | null;
  /** Why it was skipped, failed or interrupted. */
  reason: string | null;
  logPath: string | null;
  pid: number | null;
  pgid: number | null;
  /** Parsed output: confidence, quality_score, artifacts, captures (and the stdout tail). */
  output: JsonObject | null;
  startedAt: string;
  finishedAt: string | null;
  /** finishedAt - startedAt in ms (one clock: the store's); null while running. */
  durationMs: number | null;
}

export interface NewRun {
  taskId: string;
  itemId: string | null;
  stepId: string;
  parentStepId?: string | null;
  cycle: number;
  agent: string | null;
  capability?: string | null;
  command: string | null;
  logPath: string | null;
  status?: RunStatus;
  reason?: string | null;
}

/** How a run ended; its duration is measured by the store (finishedAt - startedAt). */
export interface RunFinish {
  status: RunStatus;
  exitCode: number | null;
  reason?: string | null;
  output?: JsonObject | null;
}

export interface TaskFilter {
  project?: string;
  phase?: TaskPhase;
  origin?: TaskOrigin;
  resourceKind?: "Task" | "Run";
  resourceName?: string;
  /** Tasks a step of this task spawned. */
  parentTaskId?: string;
  /** Waiting in the queue (true) or not. */
  queued?: boolean;
  limit?: number;
}

export interface TaskPage {
  offset: number;
  limit: number;
}

export interface TaskPageResult {
  tasks: TaskRecord[];
  total: number;
}

/** A task's items and runs counted by status (`{ resolved: 3, pending: 1 }`). */
export interface TaskProgress {
  items: Record<string, number>;
  runs: Record<string, number>;
}

/** Outcomes of an agent's runs for one capability. */
export interface CapabilityRunStats {
  runs: number;
  successes: number;
}

/** One of an agent's latest judged runs, for its failure streak and health. */
export interface RecentAgentRun {
  status: RunStatus;
  exitCode: number | null;
  finishedAt: string;
}

/**
 * What the store has recorded about one agent's step executions (by agent
 * name), for agent selection. Runs are judged when they succeeded, failed or
 * timed out; cancelled, interrupted and skipped runs say nothing about the agent.
 */
export interface AgentRunStats {
  agent: string;
  /** Judged runs over every task. */
  totalRuns: number;
  successfulRuns: number;
  /** Average duration of the successful runs; null before the first. */
  avgDurationMs: number | null;
  /** Runs of this agent in flight now. */
  running: number;
  /** Judged runs by the capability the agent was chosen for. */
  capabilities: Record<string, CapabilityRunStats>;
  /** The latest judged runs, newest first (at most AGENT_RECENT_RUNS). */
  recent: RecentAgentRun[];
}

/**
 * An agent's scheduling state (`agent cordon|drain|uncordon`): only an
 * `active` agent is given new steps. Kept in the store, so it survives a
 * restart of the controller.
 */
export type AgentState = "active" | "cordoned" | "draining" | "drained";

export interface AgentStateRecord {
  project: string;
  name: string;
  state: Exclude<AgentState, "active">;
  /** When it entered this state, and who put it there. */
  since: string;
  by: string;
}

/** An agent's latest failed or timed-out run. */
export interface AgentLastError {
  agent: string;
  status: RunStatus;
  exitCode: number | null;
  reason: string | null;
  finishedAt: string;
}

/** How many of an agent's latest runs `agentStats` returns. */
export const AGENT_RECENT_RUNS = 20;

export interface TaskStore {
  /** Records `task_created` (and `task_queued` when queued) in the same transaction. */
  createTask(task: NewTask, actor?: string): TaskRecord;
  getTask(id: string): TaskRecord | undefined;
  /**
   * Accepts a unique id prefix, as git does for commits, or a task name when
   * exactly one task has it. Undefined when nothing matches or the reference
   * is ambiguous; `resolveTask` says which.
   */
  findTask(idOrPrefix: string, scope?: TaskRefScope): TaskRecord | undefined;
  /** Like findTask, but throws TaskNotFoundError or AmbiguousIdError (listing the matches). */
  resolveTask(ref: string, scope?: TaskRefScope): TaskRecord;
  /**
   * Every task a reference could mean, in this order of precedence: the task
   * with that exact id; else the tasks with that exact name; else the tasks
   * whose id starts with it (at most MAX_REF_MATCHES of them).
   */
  matchTasks(ref: string, scope?: TaskRefScope): TaskRecord[];
  /** Oldest first; with a limit, the newest `limit` tasks, still oldest first. */
  listTasks(filter?: TaskFilter): TaskRecord[];
  /** How many tasks match the filter (its `limit` ignored). */
  countTasks(filter: TaskFilter): number;
  /** One page of the tasks matching the filter (its `limit` ignored), newest first, and how many match in all. */
  pageTasks(filter: TaskFilter, page: TaskPage): TaskPageResult;
  /** How far each of these tasks has got: its items and runs counted by status. Tasks without either are left out. */
  taskProgress(ids: readonly string[]): Map<string, TaskProgress>;
  latestTask(project?: string): TaskRecord | undefined;
  /**
   * Writes the patch and one event per transition that matters (see
   * TaskEventType), in one transaction. Entering Running sets startedAt and
   * entering a terminal phase sets finishedAt, unless given; entering Paused
   * or a terminal phase leaves the queue unless the patch sets `queued`.
   * Throws TaskNotFoundError when the task is gone.
   */
  updateTask(id: string, patch: TaskPatch, actor?: string): TaskRecord;
  /**
   * Atomically claims the oldest queued task for a worker: sets queued=false,
   * claimedBy, phase=Running. Safe with several processes on one store.
   */
  claimNextTask(workerId: string): TaskRecord | undefined;
  /** Tasks claimed by a worker id that no longer runs (crash recovery). */
  listClaimedTasks(): TaskRecord[];
  /**
   * Clears the task's claim if `claimedBy` still holds it (a runner letting
   * go of a task paused or cancelled under it); false when another holds it,
   * or none (it was resumed meanwhile). Phase, queue and events are untouched.
   */
  releaseClaim(id: string, claimedBy: string): boolean;
  /** Deletes tasks with their items and runs; events stay. Returns the count. */
  deleteTasks(ids: readonly string[], actor?: string): number;

  createItems(taskId: string, items: readonly NewItem[]): ItemRecord[];
  listItems(taskId: string): ItemRecord[];
  getItem(id: string): ItemRecord | undefined;
  /** The item with that exact id, else the items whose id starts with it (at most MAX_REF_MATCHES). */
  matchItems(ref: string): ItemRecord[];
  updateItem(id: string, patch: Partial<Pick<ItemRecord, "status" | "vars" | "failures">>): ItemRecord;

  /**
   * A running run records `step_started`; a run created already finished
   * (`skipped`, say) records its `run_result` at once, with duration 0.
   */
  createRun(run: NewRun): RunRecord;
  setRunProcess(runId: string, pid: number, pgid: number): void;
  /** Records what a run turned out to be once known (its agent and the capability it was chosen for, command shape, log). */
  setRunDetails(runId: string, details: RunDetails): void;
  /**
   * Records the result and its one `run_result` event in one transaction;
   * sets finishedAt and durationMs and clears pid/pgid.
   * Throws RunFinishedError when the run already has a result.
   */
  finishRun(runId: string, finish: RunFinish): RunRecord;
  getRun(id: string): RunRecord | undefined;
  listRuns(taskId: string): RunRecord[];
  /** Per-agent run history over every task (finished and in flight). */
  agentStats(): AgentRunStats[];
  /** Runs still marked running for a task (interrupted by a crash). */
  listUnfinishedRuns(taskId?: string): RunRecord[];
  /** Each agent's latest failed or timed-out run (by agent name). */
  agentLastErrors(): AgentLastError[];
  /** Runs of an agent (by name) still running, with the project of their task. */
  runningRunsOfAgent(agent: string): Array<RunRecord & { project: string; claimedBy: string | null }>;

  /** Agents that are not active, with their state. */
  listAgentStates(): AgentStateRecord[];
  /**
   * Puts an agent in a state (`active` clears it) and records `agent_<state>`
   * (`agent_uncordoned` for active) in one transaction; returns the previous
   * state. Nothing is written when the state does not change.
   */
  setAgentState(key: { project: string; name: string }, state: AgentState, by: string): AgentState;
}

export interface RunDetails {
  agent: string | null;
  capability?: string | null;
  command: string | null;
  logPath: string | null;
}

export type TaskPatch = Partial<
  Pick<TaskRecord, "phase" | "queued" | "claimedBy" | "cycle" | "state" | "exitCode" | "message" | "startedAt" | "finishedAt">
>;

/** Limits a task reference to one project (names repeat across projects). */
export interface TaskRefScope {
  project?: string;
}

/** Events the task store records, each in the transaction that makes the change. */
export type TaskEventType =
  | "task_created"
  | "task_queued"
  | "task_started"
  | "task_paused"
  | "task_resumed"
  | "task_completed"
  | "task_failed"
  | "task_cancelled"
  | "task_deleted"
  | "step_started"
  | "run_result";

/** How many matches an ambiguous reference lists. */
export const MAX_REF_MATCHES = 10;

/** A task reference (id prefix or name) that matches more than one task. */
export class AmbiguousIdError extends Error {
  override readonly name = "AmbiguousIdError";
  constructor(
    readonly ref: string,
    readonly matches: ReadonlyArray<{ id: string; name: string; project: string }>,
  ) {
    const list = matches.map((m) => `${m.id} (${m.project}/${m.name})`).join(", ");
    super(`task reference "${ref}" is ambiguous: it matches ${list}; give more characters of the id`);
  }
}

/** No task has that id, id prefix or name. */
export class TaskNotFoundError extends Error {
  override readonly name = "TaskNotFoundError";
  constructor(readonly ref: string) {
    super(`no task matches "${ref}" by id, id prefix or name; list tasks with \`orchestrator task list\``);
  }
}

/** An item or run id that the store does not hold. */
export class TaskRecordNotFoundError extends Error {
  override readonly name = "TaskRecordNotFoundError";
  constructor(
    readonly what: "item" | "run",
    readonly id: string,
  ) {
    super(`no ${what} with id ${id} (its task may have been deleted)`);
  }
}

/** finishRun on a run that already has its result: a result is recorded exactly once. */
export class RunFinishedError extends Error {
  override readonly name = "RunFinishedError";
  constructor(
    readonly runId: string,
    readonly status: RunStatus,
  ) {
    super(`run ${runId} already finished with status ${status}; a run's result is recorded once`);
  }
}

/** A Store that also keeps tasks (the SQLite store does). */
export interface TaskStoreProvider {
  taskStore(): TaskStore;
}

/** The TaskStore that shares a Store's database; throws for a backend without one. */
export function openTaskStore(store: Store): TaskStore {
  const provider = store as Store & Partial<TaskStoreProvider>;
  if (typeof provider.taskStore !== "function") {
    throw new Error(`the store at ${store.path} does not keep tasks; open it with openStore from src/store/sqlite/open.ts`);
  }
  return provider.taskStore();
}
