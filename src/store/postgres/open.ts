/**
 * @module Opening the PostgreSQL store: connect, migrate under an advisory
 * lock, and label the store by its URL without the password (what `db
 * status` and logs show; a password belongs in PGPASSWORD or ~/.pgpass).
 */
import type { Home } from "../home-location.js";
import type { OpenStoreOptions } from "../sqlite/open.js";
import { leaseMsFrom } from "../controller-store.js";
import { PgConnection, PgError } from "./bridge.js";
import { migratePg } from "./migrate.js";
import { PgStore } from "./pg-store.js";

/** The store could not be reached or refused the connection. */
export class StoreConnectionError extends Error {
  override readonly name = "StoreConnectionError";
}

/** `postgres://user@host:port/db`: never the password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "";
    u.search = "";
    return u.toString().replace(/^(\w+:\/\/[^:@/]+):@/, "$1@");
  } catch {
    return "postgres://(unreadable URL)";
  }
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export function openPgStore(url: string, home: Home, opts: OpenStoreOptions = {}): PgStore {
  const label = redactUrl(url);
  if (!isPostgresUrl(url)) throw new StoreConnectionError(`store URL ${label} is not a PostgreSQL URL; give postgres://user@host:port/database`);
  let db: PgConnection;
  try {
    // A process stopped inside a transaction (a frozen host) holds its locks, its lease row's among them, which
    // a takeover waits for: the server ends such a session after the lease time, so takeover stays within it.
    db = PgConnection.open(url, { applicationName: `orchestrator ${process.pid}`, idleInTransactionMs: leaseMsFrom() });
  } catch (err) {
    const why = err instanceof PgError ? err.message : String(err);
    throw new StoreConnectionError(`cannot connect to the store at ${label}: ${why.split(url).join(label)}`);
  }
  try {
    migratePg(db, label);
  } catch (err) {
    db.close();
    throw err;
  }
  return new PgStore({ db, label, keyPath: home.keyPath, readonly: opts.readonly === true });
}
