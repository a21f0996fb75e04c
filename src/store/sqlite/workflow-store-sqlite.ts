/**
 * @module Local WorkflowStore entries on the SQLite store's connection:
 * statements prepared once, a write and its retention in one immediate
 * transaction, values kept as JSON text.
 */
import type { Database, Statement } from "better-sqlite3";
import type { JsonValue } from "../../resources/types.js";
import { ReadonlyStoreError } from "../errors.js";
import type { Retention, StoreEntry, StoreEntryQuery, StoreSummary, WorkflowStoreEntries } from "../workflow-store-entries.js";
import { immediate } from "./immediate.js";

const COLUMNS = "key, value, task_id, created_at, updated_at";

const GET = `SELECT ${COLUMNS} FROM workflow_store_entries WHERE project = ? AND store = ? AND key = ?`;
const UPSERT = `
  INSERT INTO workflow_store_entries (project, store, key, value, task_id, created_at, updated_at)
  VALUES (@project, @store, @key, @value, @task_id, @now, @now)
  ON CONFLICT (project, store, key) DO UPDATE SET value = excluded.value, task_id = excluded.task_id, updated_at = excluded.updated_at
  RETURNING created_at`;
const DELETE = "DELETE FROM workflow_store_entries WHERE project = ? AND store = ? AND key = ?";
const EXPIRE = "DELETE FROM workflow_store_entries WHERE project = ? AND store = ? AND updated_at < ?";
/** Removes the `excess` oldest (ties: the first written first); run only when a store holds more than it keeps. */
const TRIM = `
  DELETE FROM workflow_store_entries WHERE rowid IN (
    SELECT rowid FROM workflow_store_entries WHERE project = @project AND store = @store ORDER BY updated_at, rowid LIMIT @excess)`;
/** Kept by triggers (see the migration): no walk over the store's rows. */
const COUNT_ALL = "SELECT entries FROM workflow_store_counts WHERE project = ? AND store = ?";
const COUNT = "SELECT COUNT(*) FROM workflow_store_entries WHERE project = ? AND store = ? AND updated_at >= ?";
const STORES = `
  SELECT store, COUNT(*) AS entries, MAX(updated_at) AS updated_at FROM workflow_store_entries
  WHERE project = ? GROUP BY store ORDER BY store`;
const DELETE_PROJECT = "DELETE FROM workflow_store_entries WHERE project = ?";

/** Before every stored time: `notBefore` when none is given. */
const EPOCH = "";

interface EntryRow {
  key: string;
  value: string;
  task_id: string | null;
  created_at: string;
  updated_at: string;
}

function entryOf(r: EntryRow): StoreEntry {
  return { key: r.key, value: JSON.parse(r.value) as JsonValue, taskId: r.task_id, createdAt: r.created_at, updatedAt: r.updated_at };
}

function listSql(q: StoreEntryQuery): string {
  return `SELECT ${COLUMNS} FROM workflow_store_entries WHERE project = @project AND store = @store AND updated_at >= @notBefore${
    q.taskId !== undefined ? " AND task_id = @taskId" : ""
  } ORDER BY updated_at DESC, rowid DESC LIMIT @limit OFFSET @offset`;
}

export class SqliteWorkflowStoreEntries implements WorkflowStoreEntries {
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: Database,
    private readonly path: string,
    private readonly readonly: boolean,
  ) {}

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  private assertWritable(what: string): void {
    if (this.readonly) throw new ReadonlyStoreError(this.path, what);
  }

  getEntry(project: string, store: string, key: string, notBefore?: string): StoreEntry | undefined {
    const row = this.stmt(GET).get(project, store, key) as EntryRow | undefined;
    if (!row || (notBefore !== undefined && row.updated_at < notBefore)) return undefined;
    return entryOf(row);
  }

  putEntry(project: string, store: string, key: string, value: JsonValue, opts: { taskId?: string | null; retention?: Retention } = {}): { entry: StoreEntry; pruned: number } {
    this.assertWritable("write a workflow store entry");
    const now = new Date().toISOString();
    const text = JSON.stringify(value);
    const retention = opts.retention;
    // The entry is what was written (only its creation time is read back): no JSON is parsed again.
    const createdAt = this.stmt(UPSERT).pluck().get({ project, store, key, value: text, task_id: opts.taskId ?? null, now }) as string;
    const entry: StoreEntry = { key, value, taskId: opts.taskId ?? null, createdAt, updatedAt: now };
    // Without retention the write is one statement, which is its own transaction.
    if (!retention || (retention.maxEntries === undefined && retention.notBefore === undefined)) return { entry, pruned: 0 };
    // A write that leaves nothing to remove is one statement; removing is counted again inside a transaction.
    if (retention.notBefore === undefined && !this.overfull(project, store, retention.maxEntries)) return { entry, pruned: 0 };
    return { entry, pruned: immediate(this.db, () => this.prune(project, store, retention)) };
  }

  private overfull(project: string, store: string, max: number | undefined): boolean {
    return max !== undefined && ((this.stmt(COUNT_ALL).pluck().get(project, store) as number | undefined) ?? 0) > max;
  }

  deleteEntry(project: string, store: string, key: string): boolean {
    this.assertWritable("delete a workflow store entry");
    return this.stmt(DELETE).run(project, store, key).changes > 0;
  }

  listEntries(project: string, store: string, query: StoreEntryQuery = {}): StoreEntry[] {
    const params: Record<string, string | number> = {
      project,
      store,
      notBefore: query.notBefore ?? EPOCH,
      limit: query.limit ?? -1,
      offset: query.offset ?? 0,
    };
    if (query.taskId !== undefined) params["taskId"] = query.taskId;
    return (this.stmt(listSql(query)).all(params) as EntryRow[]).map(entryOf);
  }

  countEntries(project: string, store: string, notBefore?: string): number {
    return this.stmt(COUNT).pluck().get(project, store, notBefore ?? EPOCH) as number;
  }

  pruneEntries(project: string, store: string, retention: Retention): number {
    this.assertWritable("prune a workflow store");
    return immediate(this.db, () => this.prune(project, store, retention));
  }

  listStores(project: string): StoreSummary[] {
    return (this.stmt(STORES).all(project) as Array<{ store: string; entries: number; updated_at: string }>).map((r) => ({ store: r.store, entries: r.entries, updatedAt: r.updated_at }));
  }

  deleteProjectEntries(project: string): number {
    this.assertWritable("delete workflow store entries");
    return this.stmt(DELETE_PROJECT).run(project).changes;
  }

  private prune(project: string, store: string, retention: Retention): number {
    let removed = 0;
    if (retention.notBefore !== undefined) removed += this.stmt(EXPIRE).run(project, store, retention.notBefore).changes;
    if (retention.maxEntries !== undefined) {
      // Trimming sorts, so it runs only when there is something to trim.
      const excess = ((this.stmt(COUNT_ALL).pluck().get(project, store) as number | undefined) ?? 0) - retention.maxEntries;
      if (excess > 0) removed += this.stmt(TRIM).run({ project, store, excess }).changes;
    }
    return removed;
  }
}
