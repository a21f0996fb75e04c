/**
 * @module A read-only view of tasks, items and runs for commands that only
 * read them (`task logs`): its own read-only connection and the task store's
 * own SQL and row mapping, without loading the rest of the store (resources,
 * events, ids, migrations), so such a command starts nearly as fast as
 * `orchestrator version`.
 */
import Database from "better-sqlite3";
import { storeUrlOf, type Home } from "../home-location.js";
import {
  AmbiguousIdError,
  MAX_REF_MATCHES,
  TaskNotFoundError,
  type ItemRecord,
  type RunRecord,
  type TaskRecord,
  type TaskRefScope,
  type TaskStore,
} from "../task-store.js";
import * as q from "./task-queries.js";
import { itemFromRow, runFromRow, taskFromRow, type ItemRow, type RunRow, type TaskRow } from "./task-rows.js";

/** The reading part of the TaskStore. */
export type TaskReadView = Pick<TaskStore, "getTask" | "matchTasks" | "resolveTask" | "listItems" | "listRuns">;

export interface TaskReader {
  tasks: TaskReadView;
  close(): void;
}

/** How long a read waits for a writer's lock. */
const BUSY_TIMEOUT_MS = 5000;

/** The reading part of the task store; SqliteTaskStore extends it with the writes. */
export class SqliteTaskReader implements TaskReadView {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(protected readonly db: Database.Database) {}

  /** Statements are prepared once: `task logs --follow` reads every 100 ms. */
  protected stmt(sql: string): Database.Statement {
    return this.stmtFor(sql, () => sql);
  }

  protected stmtFor(cacheKey: string, sql: () => string): Database.Statement {
    let s = this.statements.get(cacheKey);
    if (!s) this.statements.set(cacheKey, (s = this.db.prepare(sql())));
    return s;
  }

  getTask(id: string): TaskRecord | undefined {
    const row = this.stmt(q.GET_TASK).get(id) as TaskRow | undefined;
    return row && taskFromRow(row);
  }

  /** Exact id, then exact name, then id prefix. */
  matchTasks(ref: string, scope: TaskRefScope = {}): TaskRecord[] {
    if (ref === "") return [];
    const project = scope.project;
    const exact = this.getTask(ref);
    if (exact && (project === undefined || exact.project === project)) return [exact];
    const byName = (
      project === undefined
        ? this.stmt(q.TASKS_BY_NAME).all(ref, MAX_REF_MATCHES)
        : this.stmt(q.TASKS_BY_NAME_IN_PROJECT).all(ref, project, MAX_REF_MATCHES)
    ) as TaskRow[];
    if (byName.length > 0) return byName.map(taskFromRow);
    // Ids are ASCII, so every id starting with `ref` sorts below `ref` + U+FFFF.
    const end = `${ref}\uffff`;
    const byPrefix = (
      project === undefined
        ? this.stmt(q.TASKS_BY_PREFIX).all(ref, end, MAX_REF_MATCHES)
        : this.stmt(q.TASKS_BY_PREFIX_IN_PROJECT).all(ref, end, project, MAX_REF_MATCHES)
    ) as TaskRow[];
    return byPrefix.map(taskFromRow);
  }

  resolveTask(ref: string, scope: TaskRefScope = {}): TaskRecord {
    const matches = this.matchTasks(ref, scope);
    const [only] = matches;
    if (only === undefined) throw new TaskNotFoundError(ref);
    if (matches.length > 1) throw new AmbiguousIdError(ref, matches.map((m) => ({ id: m.id, name: m.name, project: m.project })));
    return only;
  }

  listItems(taskId: string): ItemRecord[] {
    return (this.stmt(q.LIST_ITEMS).all(taskId) as ItemRow[]).map(itemFromRow);
  }

  listRuns(taskId: string): RunRecord[] {
    return (this.stmt(q.LIST_RUNS).all(taskId) as RunRow[]).map(runFromRow);
  }
}

/**
 * Opens the task tables read-only. Undefined when there is no database yet
 * or it lacks the task tables (an old schema): open the full store then,
 * which creates or migrates it. Rows of a newer schema still read, as the
 * queries name their columns.
 */
export function openTaskReader(home: Home): TaskReader | undefined {
  // A home on a PostgreSQL store has no tasks in a state.db.
  if (storeUrlOf(home) !== undefined) return undefined;
  let db: Database.Database;
  try {
    db = new Database(home.dbPath, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch {
    return undefined;
  }
  try {
    // Preparing checks that the tables and columns exist.
    db.prepare(q.GET_TASK);
    db.prepare(q.LIST_RUNS);
    db.prepare(q.LIST_ITEMS);
  } catch {
    db.close();
    return undefined;
  }
  return { tasks: new SqliteTaskReader(db), close: () => db.close() };
}
