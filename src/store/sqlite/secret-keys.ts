/**
 * @module The keyring of the SQLite store: the shared keyring
 * (../secret-key-rotation.ts) over statements prepared once, each write
 * transaction an immediate one, and the table its migration makes.
 */
import type { Database } from "better-sqlite3";
import { SqlKeyring, type KeyringDatabase, type KeyringParams } from "../secret-key-rotation.js";
import { eventParams, INSERT_EVENT } from "./event-queries.js";
import { immediate } from "./immediate.js";
import { preparedOnce } from "./prepared.js";

export const SECRET_KEYS_MIGRATION_NAME = "secret-keys";

/** The key `init` wrote becomes `k1`, active since the store was made. */
export const SECRET_KEYS_MIGRATION_SQL = `
  CREATE TABLE secret_keys (
    id           TEXT PRIMARY KEY,
    state        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    activated_at TEXT,
    retired_at   TEXT,
    revoked_at   TEXT
  );
  CREATE TABLE secret_key_history (
    id      INTEGER PRIMARY KEY,
    ts      TEXT NOT NULL,
    action  TEXT NOT NULL,
    key_id  TEXT NOT NULL,
    actor   TEXT NOT NULL,
    detail  TEXT
  );
  INSERT INTO secret_keys (id, state, created_at, activated_at)
    SELECT 'k1', 'active', t, t FROM (SELECT COALESCE((SELECT value FROM meta WHERE key = 'created_at'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) AS t);
  INSERT INTO secret_key_history (ts, action, key_id, actor, detail)
    SELECT value, 'created', 'k1', 'init', 'the key file secret.key' FROM meta WHERE key = 'created_at';
`;

/** `firstKeyPath` is `secret.key`, key `k1`; the other keys live in `secret-keys/` beside it. */
export function sqliteKeyring(db: Database, firstKeyPath: string, readonly: boolean): SqlKeyring {
  const stmt = preparedOnce(db);
  const adapter: KeyringDatabase = {
    rowLock: "",
    read: <T>(sql: string, params: KeyringParams = {}) => stmt(sql).all(params) as T[],
    write(list) {
      for (const s of list) stmt(s.sql).run(s.params);
    },
    insertEvent: (event, ts) => void stmt(INSERT_EVENT).run(eventParams(event, ts)),
    transaction: (fn) => immediate(db, fn),
  };
  return new SqlKeyring(adapter, firstKeyPath, readonly);
}
