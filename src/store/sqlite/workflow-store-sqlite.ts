/**
 * @module Local WorkflowStore entries on the SQLite store's connection: the
 * shared logic (../workflow-store-entries-sql.ts) over statements prepared
 * once, with retention in one immediate transaction.
 */
import type { Database } from "better-sqlite3";
import { ReadonlyStoreError } from "../errors.js";
import { SqlWorkflowStoreEntries, type EntriesDatabase, type EntryParams } from "../workflow-store-entries-sql.js";
import { immediate } from "./immediate.js";
import { preparedOnce } from "./prepared.js";

export function sqliteWorkflowStoreEntries(db: Database, path: string, readonly: boolean): SqlWorkflowStoreEntries {
  const stmt = preparedOnce(db);
  const adapter: EntriesDatabase = {
    insertionOrder: "rowid",
    noLimit: -1,
    serialWrites: true,
    read: <T>(sql: string, params: EntryParams) => stmt(sql).all(params) as T[],
    write<T>(sql: string, params: EntryParams) {
      const s = stmt(sql);
      if (s.reader) {
        // RETURNING: one row per row written.
        const rows = s.all(params) as T[];
        return { rows, changes: rows.length };
      }
      return { rows: [], changes: s.run(params).changes };
    },
    exclusive: (_project, _store, fn) => immediate(db, fn),
    assertWritable(what) {
      if (readonly) throw new ReadonlyStoreError(path, what);
    },
  };
  return new SqlWorkflowStoreEntries(adapter);
}
