/**
 * The store contract suite runs every test against both stores: the
 * embedded SQLite file and a real PostgreSQL server (started once per test
 * file; each store gets a schema of its own). `describeStores` declares a
 * block per backend; PostgreSQL's is skipped, saying why, only where the
 * server's binaries cannot be found.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe } from "vitest";
import { initHome, type Home } from "../../../src/store/home.js";
import { PgConnection } from "../../../src/store/postgres/bridge.js";
import { openPgStore } from "../../../src/store/postgres/open.js";
import type { PgStore } from "../../../src/store/postgres/pg-store.js";
import { openSqliteStore, type OpenStoreOptions } from "../../../src/store/sqlite/open.js";
import type { SqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../../support/postgres.js";
import { removeTempDirs, tempDir } from "../helpers.js";

export type AnyStore = SqliteStore | PgStore;

export interface Backend {
  name: "sqlite" | "postgres";
  /** An initialised home and a store opened on it, empty. */
  newStore(): { home: Home; store: AnyStore; url?: string };
  /** Another connection to the same store (as another process would have). */
  reopen(home: Home, opts?: OpenStoreOptions): AnyStore;
  /** The first column of a query run on the store's tables directly, below the interface. */
  raw(home: Home, store: AnyStore, sql: string): unknown[];
}

const sqlite: Backend = {
  name: "sqlite",
  newStore() {
    const { home } = initHome(tempDir(), {});
    return { home, store: openSqliteStore(home) };
  },
  reopen: (home, opts) => openSqliteStore(home, opts),
  raw(home, _store, sql) {
    const db = new Database(home.dbPath, { readonly: true });
    try {
      return db.prepare(sql).pluck().all();
    } finally {
      db.close();
    }
  },
};

let server: PostgresServer | undefined;
let baseUrl: string | undefined;
let schemas = 0;
const urls = new Map<string, string>();

const postgres: Backend = {
  name: "postgres",
  newStore() {
    const { home } = initHome(tempDir(), {});
    const schema = `s${++schemas}`;
    const admin = openPgStoreRaw(baseUrl!);
    admin.exec(`CREATE SCHEMA ${schema}`);
    admin.close();
    const url = `${baseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    urls.set(home.dir, url);
    return { home, store: openPgStore(url, home), url };
  },
  reopen: (home, opts) => openPgStore(urls.get(home.dir)!, home, opts),
  raw: (_home, store, sql) => (store as PgStore).db.column(sql),
};

/** A bare connection (no migrations) for administration. */
function openPgStoreRaw(url: string): PgConnection {
  return PgConnection.open(url);
}

let fileHooks = false;

/** Declares `fn`'s tests once per store backend. */
export function describeStores(title: string, fn: (b: Backend) => void): void {
  if (!fileHooks) {
    // One server per test file, stopped when the file is done.
    fileHooks = true;
    afterAll(() => {
      server?.stop();
      server = undefined;
      removeTempDirs();
    });
  }
  describe(`${title} [sqlite]`, () => fn(sqlite));
  describe.skipIf(postgresUnavailable !== undefined)(`${title} [postgres]`, () => {
    beforeAll(async () => {
      if (!server) {
        server = await startPostgres();
        baseUrl = server.createDatabase("contract");
      }
    });
    fn(postgres);
  });
}
