/**
 * @module Local WorkflowStore entries in the PostgreSQL store: the shared
 * logic (../workflow-store-entries-sql.ts) over the store's connection,
 * every write fenced by the controller's lease, and retention run while
 * holding the store's count row, so writers to one WorkflowStore on several
 * hosts trim it one at a time. Tables as the SQLite store's (migration 11
 * there), with `seq` for SQLite's rowid.
 */
import { SqlWorkflowStoreEntries, type EntriesDatabase, type EntryParams } from "../workflow-store-entries-sql.js";
import type { PgStore } from "./pg-store.js";
import { named } from "./sql.js";

export const PG_WORKFLOW_STORE_MIGRATION_SQL = `
  CREATE TABLE workflow_store_entries (
    seq        BIGSERIAL UNIQUE,
    project    TEXT COLLATE "C" NOT NULL,
    store      TEXT COLLATE "C" NOT NULL,
    key        TEXT COLLATE "C" NOT NULL,
    value      TEXT COLLATE "C" NOT NULL,
    task_id    TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (project, store, key)
  );
  CREATE INDEX workflow_store_entries_recent ON workflow_store_entries (project, store, updated_at, seq);
  CREATE TABLE workflow_store_counts (
    project TEXT COLLATE "C" NOT NULL,
    store   TEXT COLLATE "C" NOT NULL,
    entries INTEGER NOT NULL,
    PRIMARY KEY (project, store)
  );
  CREATE FUNCTION count_workflow_store_entries() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO workflow_store_counts (project, store, entries) VALUES (NEW.project, NEW.store, 1)
        ON CONFLICT (project, store) DO UPDATE SET entries = workflow_store_counts.entries + 1;
    ELSE
      UPDATE workflow_store_counts SET entries = entries - 1 WHERE project = OLD.project AND store = OLD.store;
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER workflow_store_entries_counted AFTER INSERT OR DELETE ON workflow_store_entries
    FOR EACH ROW EXECUTE FUNCTION count_workflow_store_entries();
`;

/** Held from the start of a prune to its commit: another host's prune of the store, or a new key in it, waits. */
const LOCK_STORE = "SELECT 1 FROM workflow_store_counts WHERE project = @project AND store = @store FOR UPDATE";

export function pgWorkflowStoreEntries(store: PgStore): SqlWorkflowStoreEntries {
  const adapter: EntriesDatabase = {
    insertionOrder: "seq",
    noLimit: null,
    serialWrites: false,
    read: <T>(sql: string, params: EntryParams) => store.db.run([named(sql, params)])[0]!.rows as T[],
    write<T>(sql: string, params: EntryParams) {
      const r = store.writeStatement(named(sql, params));
      return { rows: r.rows as T[], changes: r.rowCount };
    },
    exclusive: (project, name, fn) => store.write(fn, [named(LOCK_STORE, { project, store: name })]),
    assertWritable: (what) => store.assertWritable(what),
  };
  return new SqlWorkflowStoreEntries(adapter);
}
