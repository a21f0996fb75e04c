/**
 * @module One immediate transaction around a function (a savepoint when one
 * is already open). better-sqlite3 builds a wrapper per `db.transaction()`
 * call; the store's hot paths share one per connection instead.
 */
import type { Database, Transaction } from "better-sqlite3";

const runners = new WeakMap<Database, Transaction<(fn: () => unknown) => unknown>>();

export function immediate<T>(db: Database, fn: () => T): T {
  let run = runners.get(db);
  if (!run) {
    run = db.transaction((f: () => unknown) => f());
    runners.set(db, run);
  }
  return run.immediate(fn) as T;
}
