/**
 * @module Opening the SQLite store: WAL, a busy timeout so writers from
 * several processes wait for each other, and pending migrations.
 */
import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import type { Home } from "../home.js";
import { migrate, needsMigration } from "./migrate.js";
import { SqliteStore } from "./sqlite-store.js";

/** How long a writer waits for another process's write lock before failing. */
export const BUSY_TIMEOUT_MS = 5000;

export interface OpenStoreOptions {
  /** Reads only; writes throw ReadonlyStoreError. Pending migrations still run, on a short-lived writable connection. */
  readonly?: boolean;
}

/** Opens whichever store the home names (see ../open.ts); kept here for callers that import it from this module. */
export { openStore } from "../open.js";

/** Same as openStore, typed as the SQLite class (for `setStatus`, `getMeta` and tests). */
export function openSqliteStore(home: Home, opts: OpenStoreOptions = {}): SqliteStore {
  const readonly = opts.readonly === true;
  if (readonly) {
    // A read-only connection cannot create or migrate; do that first, then reopen.
    if (!existsSync(home.dbPath)) openWritable(home.dbPath).close();
    else {
      const probe = openConnection(home.dbPath, true);
      const pending = needsMigration(probe, home.dbPath);
      probe.close();
      if (pending) openWritable(home.dbPath).close();
    }
    return new SqliteStore({ db: openConnection(home.dbPath, true), path: home.dbPath, keyPath: home.keyPath, readonly });
  }
  return new SqliteStore({ db: openWritable(home.dbPath), path: home.dbPath, keyPath: home.keyPath, readonly });
}

function openConnection(path: string, readonly: boolean): Database.Database {
  const db = new Database(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
  // Per connection and free (no I/O); in WAL mode NORMAL is durable against
  // process crashes and much faster than FULL.
  if (!readonly) db.pragma("synchronous = NORMAL");
  return db;
}

/** Opens for writing and migrates; the one query on the fast path is `PRAGMA user_version`. */
function openWritable(path: string): Database.Database {
  const db = openConnection(path, false);
  try {
    if (needsMigration(db, path)) {
      // WAL is persistent in the file: set once, when the schema is first made.
      enableWal(db, path);
      migrate(db, path);
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Switching to WAL needs an exclusive lock and SQLite does not call the busy
 * handler for it, so two processes initialising one store at once would see
 * SQLITE_BUSY. Retry until the busy timeout instead.
 */
function enableWal(db: Database.Database, path: string): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      if (db.pragma("journal_mode = WAL", { simple: true }) === "wal") return;
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith("SQLITE_BUSY") !== true) throw err;
    }
    if (Date.now() > deadline) {
      throw new Error(`cannot switch ${path} to WAL mode: another process kept it locked for ${BUSY_TIMEOUT_MS} ms`);
    }
    sleepSync(10);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
