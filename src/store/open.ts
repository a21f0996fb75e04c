/**
 * @module Opening a home's store: the PostgreSQL database its URL names
 * (ORCHESTRATOR_STORE_URL, or the `store-url` that `init --store` wrote),
 * else the embedded SQLite file state.db. Callers get a Store and never
 * learn which.
 */
import { storeUrlOf, type Home } from "./home-location.js";
import { openPgStore } from "./postgres/open.js";
import { openSqliteStore, type OpenStoreOptions } from "./sqlite/open.js";
import type { Store } from "./store.js";

export type { OpenStoreOptions } from "./sqlite/open.js";

export function openStore(home: Home, opts: OpenStoreOptions = {}, urlOverride?: string): Store {
  const url = urlOverride ?? storeUrlOf(home);
  return url === undefined ? openSqliteStore(home, opts) : openPgStore(url, home, opts);
}
