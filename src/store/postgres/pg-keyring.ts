/**
 * @module The keyring of the PostgreSQL store: the shared keyring
 * (../secret-key-rotation.ts) over the store's connection, key states and
 * history in the shared database, key files in each home's state folder.
 * A rotation re-seals every SecretStore row in one write transaction
 * (fenced and under the store's write lock), holding the pending key's row
 * until it commits; the new key's file is written on the host that
 * rotates, and every other home needs a copy before it can read what the
 * new key sealed (docs/several-controllers.md says so).
 */
import { SqlKeyring, type KeyringDatabase, type KeyringParams } from "../secret-key-rotation.js";
import type { PgStore } from "./pg-store.js";
import { named } from "./sql.js";

/** As the SQLite store's migration 15: the key `init` wrote is `k1`, active since the store was made. */
export const PG_SECRET_KEYS_MIGRATION_SQL = `
  CREATE TABLE secret_keys (
    id           TEXT COLLATE "C" PRIMARY KEY,
    state        TEXT COLLATE "C" NOT NULL,
    created_at   TEXT COLLATE "C" NOT NULL,
    activated_at TEXT COLLATE "C",
    retired_at   TEXT COLLATE "C",
    revoked_at   TEXT COLLATE "C"
  );
  CREATE TABLE secret_key_history (
    id      BIGSERIAL PRIMARY KEY,
    ts      TEXT COLLATE "C" NOT NULL,
    action  TEXT COLLATE "C" NOT NULL,
    key_id  TEXT COLLATE "C" NOT NULL,
    actor   TEXT COLLATE "C" NOT NULL,
    detail  TEXT COLLATE "C"
  );
  INSERT INTO secret_keys (id, state, created_at, activated_at)
    SELECT 'k1', 'active', t, t FROM (SELECT COALESCE((SELECT value FROM meta WHERE key = 'created_at'), to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) AS t) s;
  INSERT INTO secret_key_history (ts, action, key_id, actor, detail)
    SELECT value, 'created', 'k1', 'init', 'the key file secret.key' FROM meta WHERE key = 'created_at';
`;

/** `firstKeyPath` is this home's `secret.key`, key `k1`; the other keys live in `secret-keys/` beside it. */
export function pgKeyring(store: PgStore, firstKeyPath: string, readonly: boolean): SqlKeyring {
  const adapter: KeyringDatabase = {
    rowLock: " FOR UPDATE",
    read: <T>(sql: string, params: KeyringParams = {}) => store.db.run([named(sql, params)])[0]!.rows as T[],
    write: (list) => void store.db.run(list.map((s) => named(s.sql, s.params))),
    insertEvent: (event, ts) => store.insertEvent(event, ts),
    transaction: (fn) => store.writeTransaction(fn),
  };
  return new SqlKeyring(adapter, firstKeyPath, readonly);
}
