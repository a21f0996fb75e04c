/**
 * @module The SQLite TaskStore: tasks, items and runs on the Store's own
 * connection, statements prepared once, every change and its events in one
 * immediate transaction (so a claim is atomic across processes).
 */
import type { Database, Transaction } from "better-sqlite3";
import type { JsonObject } from "../../resources/types.js";
import { ReadonlyStoreError } from "../errors.js";
import type { NewEvent } from "../store.js";
import {
  AGENT_RECENT_RUNS,
  MAX_REF_MATCHES,
  RunFinishedError,
  TaskNotFoundError,
  TaskRecordNotFoundError,
  type AgentLastError,
  type AgentRunStats,
  type AgentState,
  type AgentStateRecord,
  type ItemRecord,
  type NewItem,
  type NewRun,
  type NewTask,
  type RunDetails,
  type RunFinish,
  type RunRecord,
  type RunStatus,
  type TaskFilter,
  type TaskPage,
  type TaskPageResult,
  type TaskPatch,
  type TaskProgress,
  type TaskRecord,
  type TaskRefScope,
  type TaskStore,
} from "../task-store.js";
import { eventParams, INSERT_EVENT } from "./event-queries.js";
import { runResultEvent, stepStartedEvent, taskEvent, transitionEvents } from "./task-events.js";
import { idGenerator, type IdGenerator } from "./task-ids.js";
import { applyTaskPatch } from "./task-patch.js";
import * as q from "./task-queries.js";
import { SqliteTaskReader } from "./task-reader.js";
import {
  itemFromRow,
  itemToRow,
  runFromRow,
  runToRow,
  taskFromRow,
  taskToRow,
  type ItemRow,
  type RunRow,
  type TaskRow,
} from "./task-rows.js";
import { immediate } from "./immediate.js";
import * as agents from "./agent-state.js";
import { displayTextOrNull } from "../display-text.js";

export interface SqliteTaskStoreOptions {
  db: Database;
  path: string;
  readonly: boolean;
  ids?: IdGenerator;
}

export class SqliteTaskStore extends SqliteTaskReader implements TaskStore {
  private readonly path: string;
  private readonly readonly: boolean;
  private readonly ids: IdGenerator;
  // Transaction wrappers built once: claim and finishRun are the worker's hot path.
  private readonly claimTx: Transaction<(workerId: string) => TaskRecord | undefined>;
  private readonly finishRunTx: Transaction<(runId: string, finish: RunFinish) => RunRecord>;

  constructor(opts: SqliteTaskStoreOptions) {
    super(opts.db);
    this.path = opts.path;
    this.readonly = opts.readonly;
    this.ids = opts.ids ?? idGenerator();
    this.claimTx = this.db.transaction((workerId: string) => this.claimInTx(workerId));
    this.finishRunTx = this.db.transaction((runId: string, finish: RunFinish) => this.finishRunInTx(runId, finish));
  }

  createTask(task: NewTask, actor?: string): TaskRecord {
    this.assertWritable("create a task");
    const now = new Date().toISOString();
    const record: TaskRecord = {
      id: this.ids.next("t"),
      name: task.name,
      project: task.project,
      origin: task.origin,
      resourceKind: task.resourceKind ?? null,
      resourceName: task.resourceName ?? null,
      resourceGeneration: task.resourceGeneration ?? null,
      workflow: task.workflow,
      workspace: task.workspace,
      goal: task.goal,
      spec: task.spec,
      phase: "Pending",
      queued: task.queued,
      claimedBy: null,
      cycle: 0,
      state: {},
      exitCode: null,
      message: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      updatedAt: now,
    };
    if (task.parent) record.parent = task.parent;
    immediate(this.db, () => {
        this.stmt(q.INSERT_TASK).run(taskToRow(record));
        this.insertEvent(taskEvent("task_created", record, actor ?? null), now);
        if (record.queued) this.insertEvent(taskEvent("task_queued", record, actor ?? null), now);
      });
    return record;
  }



  findTask(idOrPrefix: string, scope: TaskRefScope = {}): TaskRecord | undefined {
    const matches = this.matchTasks(idOrPrefix, scope);
    return matches.length === 1 ? matches[0] : undefined;
  }





  listTasks(filter: TaskFilter = {}): TaskRecord[] {
    const stmt = this.stmtFor(`tasks:${q.taskFilterShape(filter)}`, () => q.listTasksSql(filter));
    return (stmt.all(...q.taskFilterParams(filter)) as TaskRow[]).map(taskFromRow);
  }

  countTasks(filter: TaskFilter): number {
    const { limit: _ignored, ...where } = filter;
    const row = this.stmtFor(`count:${q.taskFilterShape(where)}`, () => q.countTasksSql(where)).get(...q.taskFilterParams(where)) as { n: number };
    return row.n;
  }

  pageTasks(filter: TaskFilter, page: TaskPage): TaskPageResult {
    const { limit: _ignored, ...where } = filter;
    const rows = this.stmtFor(`page:${q.taskFilterShape(where)}`, () => q.pageTasksSql(where)).all(...q.taskFilterParams(where), page.limit, page.offset) as TaskRow[];
    return { tasks: rows.map(taskFromRow), total: this.countTasks(where) };
  }

  taskProgress(ids: readonly string[]): Map<string, TaskProgress> {
    const out = new Map<string, TaskProgress>();
    if (ids.length === 0) return out;
    const json = JSON.stringify(ids);
    const entry = (id: string): TaskProgress => {
      let p = out.get(id);
      if (!p) out.set(id, (p = { items: {}, runs: {} }));
      return p;
    };
    for (const r of this.stmt(q.TASK_ITEM_COUNTS).all(json) as { task_id: string; status: string; n: number }[]) entry(r.task_id).items[r.status] = r.n;
    for (const r of this.stmt(q.TASK_RUN_COUNTS).all(json) as { task_id: string; status: string; n: number }[]) entry(r.task_id).runs[r.status] = r.n;
    return out;
  }

  latestTask(project?: string): TaskRecord | undefined {
    const row = (
      project === undefined ? this.stmt(q.LATEST_TASK).get() : this.stmt(q.LATEST_TASK_IN_PROJECT).get(project)
    ) as TaskRow | undefined;
    return row && taskFromRow(row);
  }

  updateTask(id: string, patch: TaskPatch, actor?: string): TaskRecord {
    this.assertWritable("update a task");
    return immediate(this.db, (): TaskRecord => {
        const before = this.getTask(id);
        if (!before) throw new TaskNotFoundError(id);
        const now = new Date().toISOString();
        const after = applyTaskPatch(before, patch, now);
        this.stmt(q.UPDATE_TASK).run(taskToRow(after));
        for (const type of transitionEvents(before, after)) this.insertEvent(taskEvent(type, after, actor ?? null), now);
        return after;
      });
  }

  claimNextTask(workerId: string): TaskRecord | undefined {
    this.assertWritable("claim a task");
    // An idle worker polls often: look first without taking the write lock.
    if (this.stmt(q.QUEUE_HEAD).get() === undefined) return undefined;
    return this.claimTx.immediate(workerId);
  }

  listClaimedTasks(): TaskRecord[] {
    return (this.stmt(q.LIST_CLAIMED_TASKS).all() as TaskRow[]).map(taskFromRow);
  }

  releaseClaim(id: string, claimedBy: string): boolean {
    this.assertWritable("release a task");
    return this.stmt(q.RELEASE_CLAIM).run({ id, claimed_by: claimedBy, updated_at: new Date().toISOString() }).changes > 0;
  }

  deleteTasks(ids: readonly string[], actor?: string): number {
    this.assertWritable("delete tasks");
    if (ids.length === 0) return 0;
    return immediate(this.db, (): number => {
        const now = new Date().toISOString();
        let count = 0;
        for (const id of new Set(ids)) {
          const task = this.getTask(id);
          if (!task) continue;
          const runs = this.stmt(q.DELETE_TASK_RUNS).run(id).changes;
          const items = this.stmt(q.DELETE_TASK_ITEMS).run(id).changes;
          this.stmt(q.DELETE_TASK).run(id);
          this.insertEvent(taskEvent("task_deleted", task, actor ?? null, { runs, items }), now);
          count++;
        }
        return count;
      });
  }

  createItems(taskId: string, items: readonly NewItem[]): ItemRecord[] {
    this.assertWritable("create items");
    return immediate(this.db, (): ItemRecord[] => {
        if (!this.getTask(taskId)) throw new TaskNotFoundError(taskId);
        const now = new Date().toISOString();
        return items.map((i) => {
          const record: ItemRecord = {
            id: this.ids.next("i"),
            taskId,
            path: i.path,
            status: "pending",
            vars: i.vars ?? {},
            failures: 0,
            createdAt: now,
            updatedAt: now,
          };
          if (i.source === "generated") record.source = "generated";
          if (i.label !== undefined) record.label = i.label;
          this.stmt(q.INSERT_ITEM).run(itemToRow(record));
          return record;
        });
      });
  }



  getItem(id: string): ItemRecord | undefined {
    const row = this.stmt(q.GET_ITEM).get(id) as ItemRow | undefined;
    return row && itemFromRow(row);
  }

  matchItems(ref: string): ItemRecord[] {
    if (ref === "") return [];
    const exact = this.getItem(ref);
    if (exact) return [exact];
    // Ids are ASCII, so every id starting with `ref` sorts below `ref` + U+FFFF.
    return (this.stmt(q.ITEMS_BY_PREFIX).all(ref, `${ref}\uffff`, MAX_REF_MATCHES) as ItemRow[]).map(itemFromRow);
  }

  updateItem(id: string, patch: Partial<Pick<ItemRecord, "status" | "vars" | "failures">>): ItemRecord {
    this.assertWritable("update an item");
    return immediate(this.db, (): ItemRecord => {
        const before = this.getItem(id);
        if (!before) throw new TaskRecordNotFoundError("item", id);
        const after: ItemRecord = {
          ...before,
          status: patch.status ?? before.status,
          vars: patch.vars ?? before.vars,
          failures: patch.failures ?? before.failures,
          updatedAt: new Date().toISOString(),
        };
        this.stmt(q.UPDATE_ITEM).run(itemToRow(after));
        return after;
      });
  }

  createRun(run: NewRun): RunRecord {
    this.assertWritable("create a run");
    return immediate(this.db, (): RunRecord => {
        const task = this.getTask(run.taskId);
        if (!task) throw new TaskNotFoundError(run.taskId);
        const now = new Date().toISOString();
        const status = run.status ?? "running";
        const finished = status !== "running";
        const record: RunRecord = {
          id: this.ids.next("r"),
          taskId: run.taskId,
          itemId: run.itemId,
          stepId: run.stepId,
          parentStepId: run.parentStepId ?? null,
          cycle: run.cycle,
          agent: run.agent,
          capability: run.capability ?? null,
          command: run.command,
          status,
          exitCode: null,
          reason: run.reason ?? null,
          logPath: run.logPath,
          pid: null,
          pgid: null,
          output: null,
          startedAt: now,
          finishedAt: finished ? now : null,
          durationMs: finished ? 0 : null,
        };
        this.stmt(q.INSERT_RUN).run(runToRow(record));
        const itemPath = this.itemPath(record.itemId);
        this.insertEvent(finished ? runResultEvent(record, task, itemPath) : stepStartedEvent(record, task, itemPath), now);
        return record;
      });
  }

  setRunProcess(runId: string, pid: number, pgid: number): void {
    this.assertWritable("record a run's process");
    if (this.stmt(q.SET_RUN_PROCESS).run(pid, pgid, runId).changes === 0) throw new TaskRecordNotFoundError("run", runId);
  }

  finishRun(runId: string, finish: RunFinish): RunRecord {
    this.assertWritable("finish a run");
    if (finish.status === "running") {
      throw new Error(`cannot finish run ${runId} with status "running": give the status it ended with`);
    }
    return this.finishRunTx.immediate(runId, finish);
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.stmt(q.GET_RUN).get(id) as RunRow | undefined;
    return row && runFromRow(row);
  }



  setRunDetails(runId: string, details: RunDetails): void {
    this.assertWritable("record run details");
    this.stmt("UPDATE runs SET agent = ?, capability = ?, command = ?, log_path = ? WHERE id = ?").run(
      details.agent,
      details.capability ?? null,
      details.command,
      details.logPath,
      runId,
    );
  }

  agentStats(): AgentRunStats[] {
    const byAgent = new Map<string, AgentRunStats & { okMs: number; okTimed: number }>();
    const entry = (agent: string): AgentRunStats & { okMs: number; okTimed: number } => {
      let e = byAgent.get(agent);
      if (!e) {
        e = { agent, totalRuns: 0, successfulRuns: 0, avgDurationMs: null, running: 0, capabilities: {}, recent: [], okMs: 0, okTimed: 0 };
        byAgent.set(agent, e);
      }
      return e;
    };
    type CapRow = { agent: string; capability: string | null; runs: number; successes: number; ok_ms: number | null; ok_timed: number };
    for (const r of this.stmt(q.AGENT_CAPABILITY_STATS).all() as CapRow[]) {
      const e = entry(r.agent);
      e.totalRuns += r.runs;
      e.successfulRuns += r.successes;
      e.okMs += r.ok_ms ?? 0;
      e.okTimed += r.ok_timed;
      if (r.capability !== null) e.capabilities[r.capability] = { runs: r.runs, successes: r.successes };
    }
    for (const r of this.stmt(q.AGENT_RUNNING).all() as Array<{ agent: string; running: number }>) entry(r.agent).running = r.running;
    type RecentRow = { agent: string; status: string; exit_code: number | null; finished_at: string };
    for (const r of this.stmt(q.AGENT_RECENT).all(AGENT_RECENT_RUNS) as RecentRow[]) {
      entry(r.agent).recent.push({ status: r.status as RunStatus, exitCode: r.exit_code, finishedAt: r.finished_at });
    }
    return [...byAgent.values()].map(({ okMs, okTimed, ...stats }) => ({ ...stats, avgDurationMs: okTimed > 0 ? okMs / okTimed : null }));
  }

  agentLastErrors(): AgentLastError[] {
    type Row = { agent: string; status: string; exit_code: number | null; reason: string | null; finished_at: string };
    return (this.stmt(agents.AGENT_LAST_ERRORS).all() as Row[]).map((r) => ({ agent: r.agent, status: r.status as RunStatus, exitCode: r.exit_code, reason: r.reason, finishedAt: r.finished_at }));
  }

  runningRunsOfAgent(agent: string): Array<RunRecord & { project: string; claimedBy: string | null }> {
    type Row = RunRow & { task_project: string; task_claimed_by: string | null };
    return (this.stmt(agents.RUNNING_RUNS_OF_AGENT).all(agent) as Row[]).map((r) => ({ ...runFromRow(r), project: r.task_project, claimedBy: r.task_claimed_by }));
  }

  listAgentStates(): AgentStateRecord[] {
    return (this.stmt(agents.LIST_AGENT_STATES).all() as agents.AgentStateRow[]).map(agents.agentStateFromRow);
  }

  setAgentState(key: { project: string; name: string }, state: AgentState, by: string): AgentState {
    this.assertWritable("set an agent's state");
    return immediate(this.db, (): AgentState => {
      const row = this.stmt(agents.GET_AGENT_STATE).get(key.project, key.name) as agents.AgentStateRow | undefined;
      const before = (row?.state as AgentState | undefined) ?? "active";
      if (before === state) return before;
      const now = new Date().toISOString();
      if (state === "active") this.stmt(agents.DELETE_AGENT_STATE).run(key.project, key.name);
      else this.stmt(agents.UPSERT_AGENT_STATE).run(key.project, key.name, state, now, by);
      const type = state === "active" ? "agent_uncordoned" : `agent_${state}`;
      this.insertEvent(
        { type, project: key.project, kind: "Agent", name: key.name, message: `agent/${key.name} ${state === "active" ? "uncordoned: schedulable again" : state} (was ${before}) by ${by}`, actor: by, data: { agent: key.name, state, previous: before } },
        now,
      );
      return before;
    });
  }

  listUnfinishedRuns(taskId?: string): RunRecord[] {
    const rows = taskId === undefined ? this.stmt(q.LIST_UNFINISHED_RUNS).all() : this.stmt(q.LIST_UNFINISHED_RUNS_OF_TASK).all(taskId);
    return (rows as RunRow[]).map(runFromRow);
  }

  private claimInTx(workerId: string): TaskRecord | undefined {
    const head = this.stmt(q.QUEUE_HEAD).get() as { id: string; phase: string } | undefined;
    if (!head) return undefined;
    const now = new Date().toISOString();
    const row = this.stmt(q.CLAIM_TASK).get({ id: head.id, worker: workerId, now }) as TaskRow | undefined;
    if (!row) return undefined;
    const task = taskFromRow(row);
    const type = head.phase === "Paused" ? "task_resumed" : "task_started";
    this.insertEvent(taskEvent(type, task, workerId, { worker: workerId }), now);
    return task;
  }

  private finishRunInTx(runId: string, finish: RunFinish): RunRecord {
    const now = new Date().toISOString();
    const row = this.stmt(q.FINISH_RUN).get({
      id: runId,
      status: finish.status,
      exit_code: finish.exitCode,
      reason: displayTextOrNull(finish.reason ?? null),
      output: finish.output == null ? null : JSON.stringify(finish.output),
      finished_at: now,
    }) as RunRow | undefined;
    if (!row) {
      const status = this.stmt(q.RUN_STATUS).pluck().get(runId) as RunRecord["status"] | undefined;
      if (status === undefined) throw new TaskRecordNotFoundError("run", runId);
      throw new RunFinishedError(runId, status);
    }
    const run = runFromRow(row);
    const task = this.getTask(run.taskId);
    if (!task) throw new TaskNotFoundError(run.taskId);
    this.insertEvent(runResultEvent(run, task, this.itemPath(run.itemId)), now);
    return run;
  }

  private itemPath(itemId: string | null): string | null {
    if (itemId === null) return null;
    return (this.stmt(q.ITEM_PATH).pluck().get(itemId) as string | undefined) ?? null;
  }

  private insertEvent(event: NewEvent, ts: string): void {
    this.stmt(INSERT_EVENT).run(eventParams(event, ts));
  }





  private assertWritable(what: string): void {
    if (this.readonly) throw new ReadonlyStoreError(this.path, what);
  }
}
