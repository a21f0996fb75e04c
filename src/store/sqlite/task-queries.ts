/**
 * @module SQL for the tasks, items and runs tables. Every statement on the
 * worker's hot path (claim, create and finish a run) is a primary-key or
 * partial-index lookup.
 */
import type { TaskFilter } from "../task-store.js";

const TASK_COLUMNS = `id, name, project, origin, resource_kind, resource_name, resource_generation, workflow, workspace,
  goal, spec, phase, queued, claimed_by, cycle, state, exit_code, message, created_at, started_at, finished_at, updated_at,
  parent_task_id, parent_step, spawn_depth`;
const ITEM_COLUMNS = "id, task_id, path, status, vars, failures, source, label, created_at, updated_at";
const RUN_COLUMNS = `id, task_id, item_id, step_id, parent_step, cycle, agent, capability, command, status, exit_code, reason, log_path,
  pid, pgid, output, started_at, finished_at, duration_ms`;

const named = (columns: string): string =>
  columns
    .split(",")
    .map((c) => `@${c.trim()}`)
    .join(", ");

export const INSERT_TASK = `INSERT INTO tasks (${TASK_COLUMNS}) VALUES (${named(TASK_COLUMNS)})`;
export const GET_TASK = `SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?`;

/** Everything a task may change after it is created. */
export const UPDATE_TASK = `
  UPDATE tasks SET phase = @phase, queued = @queued, claimed_by = @claimed_by, cycle = @cycle, state = @state,
    exit_code = @exit_code, message = @message, started_at = @started_at, finished_at = @finished_at, updated_at = @updated_at
  WHERE id = @id`;

/** Clears a claim if the worker named still holds it. */
export const RELEASE_CLAIM = "UPDATE tasks SET claimed_by = NULL, updated_at = @updated_at WHERE id = @id AND claimed_by = @claimed_by";

/** The head of the queue, served by the partial index tasks_queue. */
export const QUEUE_HEAD = "SELECT id, phase FROM tasks WHERE queued = 1 ORDER BY created_at, id LIMIT 1";

/** `queued = 1` again: a second guard, beside the immediate transaction, against claiming twice. */
export const CLAIM_TASK = `
  UPDATE tasks SET queued = 0, claimed_by = @worker, phase = 'Running',
    started_at = coalesce(started_at, @now), finished_at = NULL, exit_code = NULL, updated_at = @now
  WHERE id = @id AND queued = 1
  RETURNING ${TASK_COLUMNS}`;

export const TASKS_BY_NAME = `SELECT ${TASK_COLUMNS} FROM tasks WHERE name = ? ORDER BY created_at, id LIMIT ?`;
export const TASKS_BY_NAME_IN_PROJECT = `SELECT ${TASK_COLUMNS} FROM tasks WHERE name = ? AND project = ? ORDER BY created_at, id LIMIT ?`;
/** A range over the primary key rather than LIKE, which would not use the index. */
export const TASKS_BY_PREFIX = `SELECT ${TASK_COLUMNS} FROM tasks WHERE id >= ? AND id < ? ORDER BY id LIMIT ?`;
export const TASKS_BY_PREFIX_IN_PROJECT = `SELECT ${TASK_COLUMNS} FROM tasks WHERE id >= ? AND id < ? AND project = ? ORDER BY id LIMIT ?`;

export const LATEST_TASK = `SELECT ${TASK_COLUMNS} FROM tasks ORDER BY created_at DESC, id DESC LIMIT 1`;
export const LATEST_TASK_IN_PROJECT = `SELECT ${TASK_COLUMNS} FROM tasks WHERE project = ? ORDER BY created_at DESC, id DESC LIMIT 1`;

/**
 * Claimed and not finished: what crash recovery looks at. `+created_at` keeps
 * the planner on the small partial index tasks_claimed rather than walking
 * every task in tasks_created order.
 */
export const LIST_CLAIMED_TASKS = `
  SELECT ${TASK_COLUMNS} FROM tasks
  WHERE claimed_by IS NOT NULL AND finished_at IS NULL AND phase IN ('Pending', 'Running', 'Paused')
  ORDER BY +created_at, id`;

export const DELETE_TASK = "DELETE FROM tasks WHERE id = ?";
export const DELETE_TASK_ITEMS = "DELETE FROM items WHERE task_id = ?";
export const DELETE_TASK_RUNS = "DELETE FROM runs WHERE task_id = ?";

type TaskFilterField = "project" | "phase" | "origin" | "resourceKind" | "resourceName" | "parentTaskId" | "queued";
const TASK_FILTER_COLUMN: Record<TaskFilterField, string> = {
  project: "project",
  phase: "phase",
  origin: "origin",
  resourceKind: "resource_kind",
  resourceName: "resource_name",
  parentTaskId: "parent_task_id",
  queued: "queued",
};
const TASK_FILTER_FIELDS = Object.keys(TASK_FILTER_COLUMN) as TaskFilterField[];

/** A cache key for the statement that serves this filter's shape. */
export function taskFilterShape(f: TaskFilter): string {
  return TASK_FILTER_FIELDS.map((k) => (f[k] === undefined ? "-" : "x")).join("") + (f.limit === undefined ? "" : "L");
}

export function taskFilterParams(f: TaskFilter): (string | number)[] {
  const out: (string | number)[] = [];
  for (const k of TASK_FILTER_FIELDS) {
    const v = f[k];
    // SQLite stores booleans as 0 and 1.
    if (v !== undefined) out.push(typeof v === "boolean" ? (v ? 1 : 0) : v);
  }
  if (f.limit !== undefined) out.push(f.limit);
  return out;
}

/** Oldest first; with a limit, the newest `limit` tasks, still oldest first (as events). */
export function listTasksSql(f: TaskFilter): string {
  const where = TASK_FILTER_FIELDS.filter((k) => f[k] !== undefined).map((k) => `${TASK_FILTER_COLUMN[k]} = ?`);
  const base = `SELECT ${TASK_COLUMNS} FROM tasks${where.length ? ` WHERE ${where.join(" AND ")}` : ""}`;
  if (f.limit === undefined) return `${base} ORDER BY created_at, id`;
  return `SELECT * FROM (${base} ORDER BY created_at DESC, id DESC LIMIT ?) ORDER BY created_at, id`;
}

/** Newest first, one page: served by tasks_created (or tasks_project_phase when filtered). */
export function pageTasksSql(f: TaskFilter): string {
  const where = TASK_FILTER_FIELDS.filter((k) => f[k] !== undefined).map((k) => `${TASK_FILTER_COLUMN[k]} = ?`);
  return `SELECT ${TASK_COLUMNS} FROM tasks${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`;
}

export function countTasksSql(f: TaskFilter): string {
  const where = TASK_FILTER_FIELDS.filter((k) => f[k] !== undefined).map((k) => `${TASK_FILTER_COLUMN[k]} = ?`);
  return `SELECT COUNT(*) AS n FROM tasks${where.length ? ` WHERE ${where.join(" AND ")}` : ""}`;
}

/** Items and runs of a set of tasks counted by status; the ids come as one JSON array. */
export const TASK_ITEM_COUNTS = "SELECT task_id, status, COUNT(*) AS n FROM items WHERE task_id IN (SELECT value FROM json_each(?)) GROUP BY task_id, status";
export const TASK_RUN_COUNTS = "SELECT task_id, status, COUNT(*) AS n FROM runs WHERE task_id IN (SELECT value FROM json_each(?)) GROUP BY task_id, status";

export const INSERT_ITEM = `INSERT INTO items (${ITEM_COLUMNS}) VALUES (${named(ITEM_COLUMNS)})`;
export const GET_ITEM = `SELECT ${ITEM_COLUMNS} FROM items WHERE id = ?`;
/** A range over the primary key, as for tasks. */
export const ITEMS_BY_PREFIX = `SELECT ${ITEM_COLUMNS} FROM items WHERE id >= ? AND id < ? ORDER BY id LIMIT ?`;
/** rowid order is insertion order: the order the engine created the items in. */
export const LIST_ITEMS = `SELECT ${ITEM_COLUMNS} FROM items WHERE task_id = ? ORDER BY rowid`;
export const UPDATE_ITEM = "UPDATE items SET status = @status, vars = @vars, failures = @failures, updated_at = @updated_at WHERE id = @id";
export const ITEM_PATH = "SELECT path FROM items WHERE id = ?";

export const INSERT_RUN = `INSERT INTO runs (${RUN_COLUMNS}) VALUES (${named(RUN_COLUMNS)})`;
export const GET_RUN = `SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`;
export const LIST_RUNS = `SELECT ${RUN_COLUMNS} FROM runs WHERE task_id = ? ORDER BY rowid`;
export const SET_RUN_PROCESS = "UPDATE runs SET pid = ?, pgid = ? WHERE id = ?";
/**
 * `finished_at IS NULL` makes a second finish a no-op the caller can detect.
 * The duration is finished_at - started_at on the store's one clock, and the
 * process ids are cleared: they describe a process only while it runs.
 */
export const FINISH_RUN = `
  UPDATE runs SET status = @status, exit_code = @exit_code, reason = @reason, output = @output,
    finished_at = @finished_at, pid = NULL, pgid = NULL,
    duration_ms = max(0, CAST(round((julianday(@finished_at) - julianday(started_at)) * 86400000) AS INTEGER))
  WHERE id = @id AND finished_at IS NULL
  RETURNING ${RUN_COLUMNS}`;
export const RUN_STATUS = "SELECT status FROM runs WHERE id = ?";
export const LIST_UNFINISHED_RUNS = `SELECT ${RUN_COLUMNS} FROM runs WHERE finished_at IS NULL ORDER BY started_at, id`;
export const LIST_UNFINISHED_RUNS_OF_TASK = `SELECT ${RUN_COLUMNS} FROM runs WHERE task_id = ? AND finished_at IS NULL ORDER BY rowid`;

/** Judged runs (succeeded, failed, timed out) of every agent, per capability: the basis of selection scores. */
export const AGENT_CAPABILITY_STATS = `
  SELECT agent, capability, COUNT(*) AS runs, SUM(status = 'succeeded') AS successes,
    SUM(CASE WHEN status = 'succeeded' THEN duration_ms END) AS ok_ms, SUM(status = 'succeeded' AND duration_ms IS NOT NULL) AS ok_timed
  FROM runs WHERE agent IS NOT NULL AND status IN ('succeeded', 'failed', 'timed_out')
  GROUP BY agent, capability`;
/** Runs in flight per agent: its current load. */
export const AGENT_RUNNING = "SELECT agent, COUNT(*) AS running FROM runs WHERE agent IS NOT NULL AND finished_at IS NULL GROUP BY agent";
/** Each agent's latest judged runs, newest first. */
export const AGENT_RECENT = `
  SELECT agent, status, exit_code, finished_at FROM (
    SELECT agent, status, exit_code, finished_at,
      ROW_NUMBER() OVER (PARTITION BY agent ORDER BY finished_at DESC, rowid DESC) AS n
    FROM runs WHERE agent IS NOT NULL AND finished_at IS NOT NULL AND status IN ('succeeded', 'failed', 'timed_out'))
  WHERE n <= ? ORDER BY agent, n`;
