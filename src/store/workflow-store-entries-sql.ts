/**
 * @module Local WorkflowStore entries over SQL, for either store: the
 * statements (`@name` parameters, which both drivers' adapters bind) and the
 * logic around them (retention after a write, in a transaction only when a
 * store may hold more than it keeps or holds an expired entry; expired
 * entries never read back). Each store
 * adds a thin adapter (sqlite/workflow-store-sqlite.ts,
 * postgres/pg-workflow-store.ts) that runs a statement and opens a
 * transaction its own way. The tables, and the trigger-kept count per store,
 * are made by each store's migrations.
 */
import type { JsonValue } from "../resources/types.js";
import type { Retention, StoreEntry, StoreEntryQuery, StoreSummary, WorkflowStoreEntries } from "./workflow-store-entries.js";

export type EntryParams = Record<string, string | number | null>;

/** What the logic needs of a database connection. */
export interface EntriesDatabase {
  /** The column that orders rows as they were first inserted: SQLite's rowid, PostgreSQL's seq. */
  readonly insertionOrder: string;
  /** The LIMIT that means "no limit": -1 in SQLite, NULL in PostgreSQL. */
  readonly noLimit: number | null;
  /**
   * Whether writes run one at a time, each seeing every write before it
   * (SQLite). Then a write's own statement reads the store's count; where
   * writers on several hosts overlap (PostgreSQL), the count is read after
   * the write, when every earlier write has committed.
   */
  readonly serialWrites: boolean;
  /** Rows of a read. */
  read<T>(sql: string, params: EntryParams): T[];
  /** A write (fenced where the store fences writes): its rows when it returns some, and the rows it changed. */
  write<T>(sql: string, params: EntryParams): { rows: T[]; changes: number };
  /** fn in one transaction during which no other writer changes this store's entries. */
  exclusive<T>(project: string, store: string, fn: () => T): T;
  /** Throws ReadonlyStoreError on a read-only connection. */
  assertWritable(what: string): void;
}

const COLUMNS = "key, value, task_id, created_at, updated_at";

function statements(seq: string, countInWrite: boolean) {
  return {
    get: `SELECT ${COLUMNS} FROM workflow_store_entries WHERE project = @project AND store = @store AND key = @key`,
    upsert: `
      INSERT INTO workflow_store_entries (project, store, key, value, task_id, created_at, updated_at)
      VALUES (@project, @store, @key, @value, @task_id, @now, @now)
      ON CONFLICT (project, store, key) DO UPDATE SET value = excluded.value, task_id = excluded.task_id, updated_at = excluded.updated_at
      RETURNING created_at${countInWrite ? ", (SELECT entries FROM workflow_store_counts WHERE project = @project AND store = @store) AS held" : ""}`,
    delete: "DELETE FROM workflow_store_entries WHERE project = @project AND store = @store AND key = @key",
    expire: "DELETE FROM workflow_store_entries WHERE project = @project AND store = @store AND updated_at < @notBefore",
    /** Removes the `excess` oldest (ties: the first written first); run only when a store holds more than it keeps. */
    trim: `
      DELETE FROM workflow_store_entries WHERE ${seq} IN (
        SELECT ${seq} FROM workflow_store_entries WHERE project = @project AND store = @store ORDER BY updated_at, ${seq} LIMIT @excess)`,
    /** Whether any entry has expired: one step down the recent index, so a write sweeps only when there is something to sweep. */
    anyExpired: "SELECT 1 AS n FROM workflow_store_entries WHERE project = @project AND store = @store AND updated_at < @notBefore LIMIT 1",
    /** Kept by triggers (see the migrations): no walk over the store's rows. */
    countAll: "SELECT entries AS n FROM workflow_store_counts WHERE project = @project AND store = @store",
    count: "SELECT COUNT(*) AS n FROM workflow_store_entries WHERE project = @project AND store = @store AND updated_at >= @notBefore",
    stores: `
      SELECT store, COUNT(*) AS entries, MAX(updated_at) AS updated_at FROM workflow_store_entries
      WHERE project = @project GROUP BY store ORDER BY store`,
    deleteProject: "DELETE FROM workflow_store_entries WHERE project = @project",
    list: (byTask: boolean) =>
      `SELECT ${COLUMNS} FROM workflow_store_entries WHERE project = @project AND store = @store AND updated_at >= @notBefore${
        byTask ? " AND task_id = @taskId" : ""
      } ORDER BY updated_at DESC, ${seq} DESC LIMIT @limit OFFSET @offset`,
  };
}

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

export class SqlWorkflowStoreEntries implements WorkflowStoreEntries {
  private readonly sql: ReturnType<typeof statements>;

  constructor(private readonly db: EntriesDatabase) {
    this.sql = statements(db.insertionOrder, db.serialWrites);
  }

  getEntry(project: string, store: string, key: string, notBefore?: string): StoreEntry | undefined {
    const row = this.db.read<EntryRow>(this.sql.get, { project, store, key })[0];
    if (!row || (notBefore !== undefined && row.updated_at < notBefore)) return undefined;
    return entryOf(row);
  }

  putEntry(project: string, store: string, key: string, value: JsonValue, opts: { taskId?: string | null; retention?: Retention } = {}): { entry: StoreEntry; pruned: number } {
    this.db.assertWritable("write a workflow store entry");
    const now = new Date().toISOString();
    const taskId = opts.taskId ?? null;
    const retention = opts.retention;
    // The entry is what was written (only its creation time is read back): no JSON is parsed again.
    // `held` (serial writes only) is the store's count as the statement saw it, before its own row was counted.
    const written = this.db.write<{ created_at: string; held?: number | null }>(this.sql.upsert, { project, store, key, value: JSON.stringify(value), task_id: taskId, now });
    const row = written.rows[0]!;
    const entry: StoreEntry = { key, value, taskId, createdAt: row.created_at, updatedAt: now };
    // Without retention the write is one statement, which is its own transaction.
    if (!retention || (retention.maxEntries === undefined && retention.notBefore === undefined)) return { entry, pruned: 0 };
    // A write adds at most one entry: below max_entries by more than that, the store cannot be over it, and nothing is counted again.
    const nearFull = row.held === undefined || Number(row.held ?? 0) + 1 > (retention.maxEntries ?? Infinity);
    const maybeOverfull = retention.maxEntries !== undefined && nearFull && this.overfull(project, store, retention.maxEntries);
    const maybeExpired = retention.notBefore !== undefined && this.anyExpired(project, store, retention.notBefore);
    // A write that leaves nothing to remove is one statement; removing is counted again inside a transaction.
    if (!maybeOverfull && !maybeExpired) return { entry, pruned: 0 };
    return { entry, pruned: this.db.exclusive(project, store, () => this.prune(project, store, retention)) };
  }

  deleteEntry(project: string, store: string, key: string): boolean {
    this.db.assertWritable("delete a workflow store entry");
    return this.db.write(this.sql.delete, { project, store, key }).changes > 0;
  }

  listEntries(project: string, store: string, query: StoreEntryQuery = {}): StoreEntry[] {
    const params: EntryParams = { project, store, notBefore: query.notBefore ?? EPOCH, limit: query.limit ?? this.db.noLimit, offset: query.offset ?? 0 };
    if (query.taskId !== undefined) params["taskId"] = query.taskId;
    return this.db.read<EntryRow>(this.sql.list(query.taskId !== undefined), params).map(entryOf);
  }

  countEntries(project: string, store: string, notBefore?: string): number {
    return this.db.read<{ n: number }>(this.sql.count, { project, store, notBefore: notBefore ?? EPOCH })[0]!.n;
  }

  pruneEntries(project: string, store: string, retention: Retention): number {
    this.db.assertWritable("prune a workflow store");
    return this.db.exclusive(project, store, () => this.prune(project, store, retention));
  }

  listStores(project: string): StoreSummary[] {
    return this.db
      .read<{ store: string; entries: number; updated_at: string }>(this.sql.stores, { project })
      .map((r) => ({ store: r.store, entries: r.entries, updatedAt: r.updated_at }));
  }

  deleteProjectEntries(project: string): number {
    this.db.assertWritable("delete workflow store entries");
    return this.db.write(this.sql.deleteProject, { project }).changes;
  }

  private held(project: string, store: string): number {
    return this.db.read<{ n: number }>(this.sql.countAll, { project, store })[0]?.n ?? 0;
  }

  private anyExpired(project: string, store: string, notBefore: string): boolean {
    return this.db.read(this.sql.anyExpired, { project, store, notBefore }).length > 0;
  }

  private overfull(project: string, store: string, max: number | undefined): boolean {
    return max !== undefined && this.held(project, store) > max;
  }

  private prune(project: string, store: string, retention: Retention): number {
    let removed = 0;
    if (retention.notBefore !== undefined) removed += this.db.write(this.sql.expire, { project, store, notBefore: retention.notBefore }).changes;
    if (retention.maxEntries !== undefined) {
      // Trimming sorts, so it runs only when there is something to trim.
      const excess = this.held(project, store) - retention.maxEntries;
      if (excess > 0) removed += this.db.write(this.sql.trim, { project, store, excess }).changes;
    }
    return removed;
  }
}
