/**
 * @module The PostgreSQL TaskStore: tasks, items and runs, each change and
 * its events in one transaction. A worker claims the oldest queued task
 * with `FOR UPDATE SKIP LOCKED`, so controllers claiming at once each get a
 * different task and none waits for another's claim.
 */
import type { JsonObject } from "../../resources/types.js";
import type { NewEvent } from "../store.js";
import {
  AGENT_RECENT_RUNS,
  AmbiguousIdError,
  MAX_REF_MATCHES,
  RunFinishedError,
  TaskNotFoundError,
  TaskRecordNotFoundError,
  type AgentLastError,
  type AgentRunStats,
  type AgentState,
  type AgentStateRecord,
  type ItemRecord,
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
import { runResultEvent, stepStartedEvent, taskEvent, transitionEvents } from "../sqlite/task-events.js";
import { idGenerator, type IdGenerator } from "../sqlite/task-ids.js";
import { applyTaskPatch, plainPatchColumns } from "../sqlite/task-patch.js";
import { itemFromRow, itemToRow, runFromRow, runToRow, taskFromRow, taskToRow, type ItemRow, type RunRow, type TaskRow } from "../sqlite/task-rows.js";
import type { SqlValue } from "./bridge.js";
import type { PgStore } from "./pg-store.js";
import { named } from "./sql.js";
import { agentStateFromRow, type AgentStateRow } from "../sqlite/agent-state.js";
import { displayTextOrNull } from "../display-text.js";

const TASK_COLUMNS = `id, name, project, origin, resource_kind, resource_name, resource_generation, workflow, workspace,
  goal, spec, phase, queued, claimed_by, cycle, state, exit_code, message, created_at, started_at, finished_at, updated_at,
  parent_task_id, parent_step, spawn_depth`;
const ITEM_COLUMNS = "id, task_id, path, status, vars, failures, source, label, created_at, updated_at";
const RUN_COLUMNS = `id, task_id, item_id, step_id, parent_step, cycle, agent, capability, command, status, exit_code, reason, log_path,
  pid, pgid, output, started_at, finished_at, duration_ms`;

const placeholders = (columns: string): string =>
  columns
    .split(",")
    .map((c) => `@${c.trim()}`)
    .join(", ");

const INSERT_TASK = `INSERT INTO tasks (${TASK_COLUMNS}) VALUES (${placeholders(TASK_COLUMNS)})`;
const UPDATE_TASK = `
  UPDATE tasks SET phase = @phase, queued = @queued, claimed_by = @claimed_by, cycle = @cycle, state = @state,
    exit_code = @exit_code, message = @message, started_at = @started_at, finished_at = @finished_at, updated_at = @updated_at
  WHERE id = @id`;
const INSERT_ITEM = `INSERT INTO items (${ITEM_COLUMNS}) VALUES (${placeholders(ITEM_COLUMNS)})`;
const UPDATE_ITEM = "UPDATE items SET status = @status, vars = @vars, failures = @failures, updated_at = @updated_at WHERE id = @id";
const INSERT_RUN = `INSERT INTO runs (${RUN_COLUMNS}) VALUES (${placeholders(RUN_COLUMNS)})`;

/**
 * The oldest queued task no other transaction is claiming. `head.phase` is
 * the phase before the claim (a resumed task was Paused).
 */
const CLAIM = `
  WITH head AS (
    SELECT id, phase FROM tasks WHERE queued = 1 ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
  )
  UPDATE tasks t SET queued = 0, claimed_by = $1, claim_epoch = $2, phase = 'Running',
    started_at = coalesce(t.started_at, $3), finished_at = NULL, exit_code = NULL, updated_at = $3
  FROM head WHERE t.id = head.id
  RETURNING ${TASK_COLUMNS.split(",").map((c) => `t.${c.trim()}`).join(", ")}, head.phase AS previous_phase`;

/** finished_at - started_at in whole milliseconds, never negative (the store's one clock, as SQLite's julianday). */
const FINISH_RUN = `
  UPDATE runs SET status = @status, exit_code = @exit_code, reason = @reason, output = @output,
    finished_at = @finished_at::text, pid = NULL, pgid = NULL,
    duration_ms = greatest(0, round(extract(epoch FROM ((@finished_at::text)::timestamptz - started_at::timestamptz)) * 1000))::bigint
  WHERE id = @id AND finished_at IS NULL
  RETURNING ${RUN_COLUMNS}`;

export class PgTaskStore implements TaskStore {
  private readonly ids: IdGenerator = idGenerator();
  /** The lease epoch claims are made under (set when this process registers as a controller). */
  claimEpoch: number | null = null;
  /** The last claim found a task: the next one skips the look at the queue. */
  private queueBusy = false;

  constructor(private readonly store: PgStore) {}

  private get db() {
    return this.store.db;
  }

  createTask(task: NewTask, actor?: string): TaskRecord {
    this.store.assertWritable("create a task");
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
    this.store.write(() => {
      this.db.run([named(INSERT_TASK, row(taskToRow(record)))]);
      this.insertEvent(taskEvent("task_created", record, actor ?? null), now);
      if (record.queued) this.insertEvent(taskEvent("task_queued", record, actor ?? null), now);
    });
    return record;
  }

  getTask(id: string): TaskRecord | undefined {
    const r = this.db.get<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1`, [id]);
    return r && taskFromRow(r);
  }

  findTask(idOrPrefix: string, scope: TaskRefScope = {}): TaskRecord | undefined {
    const matches = this.matchTasks(idOrPrefix, scope);
    return matches.length === 1 ? matches[0] : undefined;
  }

  resolveTask(ref: string, scope: TaskRefScope = {}): TaskRecord {
    const matches = this.matchTasks(ref, scope);
    const [only] = matches;
    if (only === undefined) throw new TaskNotFoundError(ref);
    if (matches.length > 1) throw new AmbiguousIdError(ref, matches.map((m) => ({ id: m.id, name: m.name, project: m.project })));
    return only;
  }

  matchTasks(ref: string, scope: TaskRefScope = {}): TaskRecord[] {
    if (ref === "") return [];
    const project = scope.project;
    const exact = this.getTask(ref);
    if (exact && (project === undefined || exact.project === project)) return [exact];
    const inProject = project === undefined ? "" : " AND project = $3";
    const byName = this.db.all<TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks WHERE name = $1${inProject} ORDER BY created_at, id LIMIT $2`,
      project === undefined ? [ref, MAX_REF_MATCHES] : [ref, MAX_REF_MATCHES, project],
    );
    if (byName.length > 0) return byName.map(taskFromRow);
    const inProject4 = project === undefined ? "" : " AND project = $4";
    return this.db
      .all<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM tasks WHERE id >= $1 AND id < $2${inProject4} ORDER BY id LIMIT $3`,
        project === undefined ? [ref, `${ref}\uffff`, MAX_REF_MATCHES] : [ref, `${ref}\uffff`, MAX_REF_MATCHES, project],
      )
      .map(taskFromRow);
  }

  /** WHERE clause and parameters of a task filter (its `limit` aside). */
  private taskWhere(filter: TaskFilter): { where: string; params: SqlValue[] } {
    const conds: string[] = [];
    const params: SqlValue[] = [];
    const add = (column: string, v: string | boolean | undefined): void => {
      if (v === undefined) return;
      // Flags are 0/1 integers, as in SQLite.
      params.push(typeof v === "boolean" ? (v ? 1 : 0) : v);
      conds.push(`${column} = $${params.length}`);
    };
    add("project", filter.project);
    add("phase", filter.phase);
    add("origin", filter.origin);
    add("resource_kind", filter.resourceKind);
    add("resource_name", filter.resourceName);
    add("parent_task_id", filter.parentTaskId);
    add("queued", filter.queued);
    return { where: conds.length ? ` WHERE ${conds.join(" AND ")}` : "", params };
  }

  listTasks(filter: TaskFilter = {}): TaskRecord[] {
    const { where, params } = this.taskWhere(filter);
    const base = `SELECT ${TASK_COLUMNS} FROM tasks${where}`;
    let sql = `${base} ORDER BY created_at, id`;
    if (filter.limit !== undefined) {
      params.push(filter.limit);
      sql = `SELECT * FROM (${base} ORDER BY created_at DESC, id DESC LIMIT $${params.length}) t ORDER BY created_at, id`;
    }
    return this.db.all<TaskRow>(sql, params).map(taskFromRow);
  }

  countTasks(filter: TaskFilter): number {
    const { where, params } = this.taskWhere(filter);
    return this.db.value<number>(`SELECT count(*) FROM tasks${where}`, params) ?? 0;
  }

  pageTasks(filter: TaskFilter, page: TaskPage): TaskPageResult {
    const { where, params } = this.taskWhere(filter);
    const rows = this.db.all<TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.limit, page.offset],
    );
    return { tasks: rows.map(taskFromRow), total: this.countTasks(filter) };
  }

  taskProgress(ids: readonly string[]): Map<string, TaskProgress> {
    const out = new Map<string, TaskProgress>();
    if (ids.length === 0) return out;
    const entry = (id: string): TaskProgress => {
      let p = out.get(id);
      if (!p) out.set(id, (p = { items: {}, runs: {} }));
      return p;
    };
    const list = [...ids];
    for (const r of this.db.all<{ task_id: string; status: string; n: number }>("SELECT task_id, status, count(*) AS n FROM items WHERE task_id = ANY($1::text[]) GROUP BY task_id, status", [list])) entry(r.task_id).items[r.status] = r.n;
    for (const r of this.db.all<{ task_id: string; status: string; n: number }>("SELECT task_id, status, count(*) AS n FROM runs WHERE task_id = ANY($1::text[]) GROUP BY task_id, status", [list])) entry(r.task_id).runs[r.status] = r.n;
    return out;
  }


  latestTask(project?: string): TaskRecord | undefined {
    const r =
      project === undefined
        ? this.db.get<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks ORDER BY created_at DESC, id DESC LIMIT 1`)
        : this.db.get<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE project = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, [project]);
    return r && taskFromRow(r);
  }

  updateTask(id: string, patch: TaskPatch, actor?: string): TaskRecord {
    this.store.assertWritable("update a task");
    // Neither phase nor queue changes: nothing depends on the row as it was, so one statement writes it and returns it.
    const plain = plainPatchColumns(patch);
    if (plain) {
      const now = new Date().toISOString();
      const params: SqlValue[] = [id, now, ...plain.map((c) => c.value)];
      const set = ["updated_at = $2", ...plain.map((c, i) => `${c.column} = $${i + 3}`)].join(", ");
      const r = this.store.writeStatement({ sql: `UPDATE tasks SET ${set} WHERE id = $1 RETURNING ${TASK_COLUMNS}`, params }).rows[0] as unknown as TaskRow | undefined;
      if (!r) throw new TaskNotFoundError(id);
      return taskFromRow(r);
    }
    return this.store.write((): TaskRecord => {
      const r = this.db.get<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1 FOR UPDATE`, [id]);
      if (!r) throw new TaskNotFoundError(id);
      const before = taskFromRow(r);
      const now = new Date().toISOString();
      const after = applyTaskPatch(before, patch, now);
      this.db.run([named(UPDATE_TASK, row(taskToRow(after)))]);
      for (const type of transitionEvents(before, after)) this.insertEvent(taskEvent(type, after, actor ?? null), now);
      return after;
    });
  }

  claimNextTask(workerId: string): TaskRecord | undefined {
    this.store.assertWritable("claim a task");
    // An idle worker polls often: a plain read first, no transaction. After a claim that found a task the queue
    // is likely not empty, and the claim itself says when it is.
    if (!this.queueBusy && this.db.value("SELECT 1 FROM tasks WHERE queued = 1 LIMIT 1") === undefined) return undefined;
    return this.store.write((): TaskRecord | undefined => {
      const now = new Date().toISOString();
      const r = this.db.get<TaskRow & { previous_phase: string }>(CLAIM, [workerId, this.claimEpoch, now]);
      this.queueBusy = r !== undefined;
      if (!r) return undefined;
      const task = taskFromRow(r);
      const type = r.previous_phase === "Paused" ? "task_resumed" : "task_started";
      this.insertEvent(taskEvent(type, task, workerId, { worker: workerId }), now);
      return task;
    });
  }

  listClaimedTasks(): TaskRecord[] {
    return this.db
      .all<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM tasks WHERE claimed_by IS NOT NULL AND finished_at IS NULL AND phase IN ('Pending', 'Running', 'Paused') ORDER BY created_at, id`,
      )
      .map(taskFromRow);
  }

  releaseClaim(id: string, claimedBy: string): boolean {
    this.store.assertWritable("release a task");
    return this.store.writeOne({ sql: "UPDATE tasks SET claimed_by = NULL, updated_at = $3 WHERE id = $1 AND claimed_by = $2", params: [id, claimedBy, new Date().toISOString()] }) > 0;
  }


  deleteTasks(ids: readonly string[], actor?: string): number {
    this.store.assertWritable("delete tasks");
    if (ids.length === 0) return 0;
    return this.store.write((): number => {
      const now = new Date().toISOString();
      let count = 0;
      for (const id of new Set(ids)) {
        const r = this.db.get<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1 FOR UPDATE`, [id]);
        if (!r) continue;
        const [, runs, items] = this.db.run([
          { sql: "DELETE FROM log_chunks WHERE run_id IN (SELECT id FROM runs WHERE task_id = $1)", params: [id] },
          { sql: "DELETE FROM runs WHERE task_id = $1", params: [id] },
          { sql: "DELETE FROM items WHERE task_id = $1", params: [id] },
          { sql: "DELETE FROM tasks WHERE id = $1", params: [id] },
        ]);
        this.insertEvent(taskEvent("task_deleted", taskFromRow(r), actor ?? null, { runs: runs!.rowCount, items: items!.rowCount }), now);
        count++;
      }
      return count;
    });
  }

  createItems(taskId: string, items: ReadonlyArray<{ path: string; vars?: JsonObject }>): ItemRecord[] {
    this.store.assertWritable("create items");
    return this.store.write((): ItemRecord[] => {
      if (!this.getTask(taskId)) throw new TaskNotFoundError(taskId);
      const now = new Date().toISOString();
      const records = items.map(
        (i): ItemRecord => ({ id: this.ids.next("i"), taskId, path: i.path, status: "pending", vars: i.vars ?? {}, failures: 0, createdAt: now, updatedAt: now }),
      );
      if (records.length > 0) this.db.run(records.map((r) => named(INSERT_ITEM, row(itemToRow(r)))));
      return records;
    });
  }

  listItems(taskId: string): ItemRecord[] {
    return this.db.all<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE task_id = $1 ORDER BY seq`, [taskId]).map(itemFromRow);
  }

  getItem(id: string): ItemRecord | undefined {
    const r = this.db.get<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = $1`, [id]);
    return r && itemFromRow(r);
  }

  matchItems(ref: string): ItemRecord[] {
    if (ref === "") return [];
    const exact = this.getItem(ref);
    if (exact) return [exact];
    return this.db.all<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE id >= $1 AND id < $2 ORDER BY id LIMIT $3`, [ref, `${ref}\uffff`, MAX_REF_MATCHES]).map(itemFromRow);
  }

  updateItem(id: string, patch: Partial<Pick<ItemRecord, "status" | "vars" | "failures">>): ItemRecord {
    this.store.assertWritable("update an item");
    // What the patch leaves out keeps its value: one statement writes the item and returns it.
    const r = this.store.writeStatement({
      sql: `UPDATE items SET status = coalesce($2, status), vars = coalesce($3, vars), failures = coalesce($4, failures), updated_at = $5
            WHERE id = $1 RETURNING ${ITEM_COLUMNS}`,
      params: [id, patch.status ?? null, patch.vars === undefined ? null : JSON.stringify(patch.vars), patch.failures ?? null, new Date().toISOString()],
    }).rows[0] as unknown as ItemRow | undefined;
    if (!r) throw new TaskRecordNotFoundError("item", id);
    return itemFromRow(r);
  }

  createRun(run: NewRun): RunRecord {
    this.store.assertWritable("create a run");
    return this.store.write((): RunRecord => {
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
      // The task and the item's path (for the event) are read with the insert, in one round trip; a
      // missing task rolls the insert back.
      const [taskRows, , pathRows] = this.db.run([
        { sql: `SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1`, params: [run.taskId] },
        named(INSERT_RUN, row(runToRow(record))),
        { sql: "SELECT path FROM items WHERE id = $1", params: [record.itemId], rowMode: "array" },
      ]);
      const taskRow = taskRows!.rows[0] as unknown as TaskRow | undefined;
      if (!taskRow) throw new TaskNotFoundError(run.taskId);
      const task = taskFromRow(taskRow);
      const itemPath = ((pathRows!.rows as unknown[][])[0]?.[0] as string | undefined) ?? null;
      this.insertEvent(finished ? runResultEvent(record, task, itemPath) : stepStartedEvent(record, task, itemPath), now);
      return record;
    });
  }

  setRunProcess(runId: string, pid: number, pgid: number): void {
    this.store.assertWritable("record a run's process");
    if (this.store.writeOne({ sql: "UPDATE runs SET pid = $1, pgid = $2 WHERE id = $3", params: [pid, pgid, runId] }) === 0) {
      throw new TaskRecordNotFoundError("run", runId);
    }
  }

  setRunDetails(runId: string, details: RunDetails): void {
    this.store.assertWritable("record run details");
    this.store.writeOne({
      sql: "UPDATE runs SET agent = $1, capability = $2, command = $3, log_path = $4 WHERE id = $5",
      params: [details.agent, details.capability ?? null, details.command, details.logPath, runId],
    });
  }

  finishRun(runId: string, finish: RunFinish): RunRecord {
    this.store.assertWritable("finish a run");
    if (finish.status === "running") throw new Error(`cannot finish run ${runId} with status "running": give the status it ended with`);
    return this.store.write((): RunRecord => {
      const now = new Date().toISOString();
      // The run's task and item path (for the event) are read in the same round trip.
      const [finished, taskRows, pathRows] = this.db.run([
        named(FINISH_RUN, {
          id: runId,
          status: finish.status,
          exit_code: finish.exitCode,
          reason: displayTextOrNull(finish.reason ?? null),
          output: finish.output == null ? null : JSON.stringify(finish.output),
          finished_at: now,
        }),
        { sql: `SELECT ${TASK_COLUMNS} FROM tasks WHERE id = (SELECT task_id FROM runs WHERE id = $1)`, params: [runId] },
        { sql: "SELECT path FROM items WHERE id = (SELECT item_id FROM runs WHERE id = $1)", params: [runId], rowMode: "array" },
      ]);
      const r = finished!.rows[0] as unknown as RunRow | undefined;
      if (!r) {
        const status = this.db.value<RunStatus>("SELECT status FROM runs WHERE id = $1", [runId]);
        if (status === undefined) throw new TaskRecordNotFoundError("run", runId);
        throw new RunFinishedError(runId, status);
      }
      const record = runFromRow(r);
      const taskRow = taskRows!.rows[0] as unknown as TaskRow | undefined;
      if (!taskRow) throw new TaskNotFoundError(record.taskId);
      const itemPath = ((pathRows!.rows as unknown[][])[0]?.[0] as string | undefined) ?? null;
      this.insertEvent(runResultEvent(record, taskFromRow(taskRow), itemPath), now);
      return record;
    });
  }

  getRun(id: string): RunRecord | undefined {
    const r = this.db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
    return r && runFromRow(r);
  }

  listRuns(taskId: string): RunRecord[] {
    return this.db.all<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE task_id = $1 ORDER BY seq`, [taskId]).map(runFromRow);
  }

  agentStats(): AgentRunStats[] {
    type Entry = AgentRunStats & { okMs: number; okTimed: number };
    const byAgent = new Map<string, Entry>();
    const entry = (agent: string): Entry => {
      let e = byAgent.get(agent);
      if (!e) {
        e = { agent, totalRuns: 0, successfulRuns: 0, avgDurationMs: null, running: 0, capabilities: {}, recent: [], okMs: 0, okTimed: 0 };
        byAgent.set(agent, e);
      }
      return e;
    };
    const [caps, running, recent] = this.db.run([
      {
        sql: `SELECT agent, capability, count(*) AS runs, count(*) FILTER (WHERE status = 'succeeded') AS successes,
                sum(duration_ms) FILTER (WHERE status = 'succeeded') AS ok_ms,
                count(*) FILTER (WHERE status = 'succeeded' AND duration_ms IS NOT NULL) AS ok_timed
              FROM runs WHERE agent IS NOT NULL AND status IN ('succeeded', 'failed', 'timed_out')
              GROUP BY agent, capability ORDER BY agent, capability NULLS FIRST`,
      },
      { sql: "SELECT agent, count(*) AS running FROM runs WHERE agent IS NOT NULL AND finished_at IS NULL GROUP BY agent ORDER BY agent" },
      {
        sql: `SELECT agent, status, exit_code, finished_at FROM (
                SELECT agent, status, exit_code, finished_at,
                  row_number() OVER (PARTITION BY agent ORDER BY finished_at DESC, seq DESC) AS n
                FROM runs WHERE agent IS NOT NULL AND finished_at IS NOT NULL AND status IN ('succeeded', 'failed', 'timed_out')) r
              WHERE n <= $1 ORDER BY agent, n`,
        params: [AGENT_RECENT_RUNS],
      },
    ]);
    type CapRow = { agent: string; capability: string | null; runs: number; successes: number; ok_ms: number | null; ok_timed: number };
    for (const r of caps!.rows as CapRow[]) {
      const e = entry(r.agent);
      e.totalRuns += r.runs;
      e.successfulRuns += r.successes;
      e.okMs += r.ok_ms ?? 0;
      e.okTimed += r.ok_timed;
      if (r.capability !== null) e.capabilities[r.capability] = { runs: r.runs, successes: r.successes };
    }
    for (const r of running!.rows as Array<{ agent: string; running: number }>) entry(r.agent).running = r.running;
    for (const r of recent!.rows as Array<{ agent: string; status: string; exit_code: number | null; finished_at: string }>) {
      entry(r.agent).recent.push({ status: r.status as RunStatus, exitCode: r.exit_code, finishedAt: r.finished_at });
    }
    return [...byAgent.values()].map(({ okMs, okTimed, ...stats }) => ({ ...stats, avgDurationMs: okTimed > 0 ? okMs / okTimed : null }));
  }

  agentLastErrors(): AgentLastError[] {
    type Row = { agent: string; status: string; exit_code: number | null; reason: string | null; finished_at: string };
    const rows = this.db.all<Row>(
      `SELECT agent, status, exit_code, reason, finished_at FROM (
         SELECT agent, status, exit_code, reason, finished_at,
           row_number() OVER (PARTITION BY agent ORDER BY finished_at DESC, seq DESC) AS n
         FROM runs WHERE agent IS NOT NULL AND finished_at IS NOT NULL AND status IN ('failed', 'timed_out')) r
       WHERE n = 1 ORDER BY agent`,
    );
    return rows.map((r) => ({ agent: r.agent, status: r.status as RunStatus, exitCode: r.exit_code, reason: r.reason, finishedAt: r.finished_at }));
  }

  runningRunsOfAgent(agent: string): Array<RunRecord & { project: string; claimedBy: string | null }> {
    type Row = RunRow & { task_project: string; task_claimed_by: string | null };
    const columns = RUN_COLUMNS.split(",").map((c) => `runs.${c.trim()}`).join(", ");
    const rows = this.db.all<Row>(
      `SELECT ${columns}, tasks.project AS task_project, tasks.claimed_by AS task_claimed_by
       FROM runs JOIN tasks ON tasks.id = runs.task_id
       WHERE runs.agent = $1 AND runs.finished_at IS NULL ORDER BY runs.started_at`,
      [agent],
    );
    return rows.map((r) => ({ ...runFromRow(r), project: r.task_project, claimedBy: r.task_claimed_by }));
  }

  listAgentStates(): AgentStateRecord[] {
    return this.db.all<AgentStateRow>(`SELECT project, name, state, since, "by" FROM agent_states ORDER BY project, name`).map(agentStateFromRow);
  }

  setAgentState(key: { project: string; name: string }, state: AgentState, by: string): AgentState {
    this.store.assertWritable("set an agent's state");
    // The row is locked for the transaction: two hosts changing one agent at once take turns.
    return this.store.write((): AgentState => {
      const row = this.db.get<AgentStateRow>(`SELECT project, name, state, since, "by" FROM agent_states WHERE project = $1 AND name = $2 FOR UPDATE`, [key.project, key.name]);
      const before = (row?.state as AgentState | undefined) ?? "active";
      if (before === state) return before;
      const now = new Date().toISOString();
      if (state === "active") this.db.run([{ sql: "DELETE FROM agent_states WHERE project = $1 AND name = $2", params: [key.project, key.name] }]);
      else
        this.db.run([
          {
            sql: `INSERT INTO agent_states (project, name, state, since, "by") VALUES ($1, $2, $3, $4, $5)
                  ON CONFLICT (project, name) DO UPDATE SET state = excluded.state, since = excluded.since, "by" = excluded."by"`,
            params: [key.project, key.name, state, now, by],
          },
        ]);
      const type = state === "active" ? "agent_uncordoned" : `agent_${state}`;
      this.insertEvent(
        { type, project: key.project, kind: "Agent", name: key.name, message: `agent/${key.name} ${state === "active" ? "uncordoned: schedulable again" : state} (was ${before}) by ${by}`, actor: by, data: { agent: key.name, state, previous: before } },
        now,
      );
      return before;
    });
  }

  listUnfinishedRuns(taskId?: string): RunRecord[] {
    const rows =
      taskId === undefined
        ? this.db.all<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE finished_at IS NULL ORDER BY started_at, id`)
        : this.db.all<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE task_id = $1 AND finished_at IS NULL ORDER BY seq`, [taskId]);
    return rows.map(runFromRow);
  }

  private insertEvent(event: NewEvent, ts: string): void {
    this.store.insertEvent(event, ts);
  }
}

function row(r: object): Record<string, unknown> {
  return r as Record<string, unknown>;
}
