/**
 * @module The keyring of the PostgreSQL store, as the SQLite store keeps it
 * (src/store/sqlite/secret-keys.ts): key states and history in the shared
 * database, key files in each home's state folder. A rotation re-seals every
 * SecretStore row in one write transaction; the new key's file is written on
 * the host that rotates, and every other home needs a copy before it can read
 * what the new key sealed (docs/several-controllers.md says so).
 */
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { JsonObject } from "../../resources/types.js";
import { contentHash, SECRET_KIND } from "../content-hash.js";
import { describeKey, ReadonlyStoreError, RevokedKeyError } from "../errors.js";
import { FIRST_KEY_ID, openSecretSpec, readKey, sealedKeyIds, sealSecretSpec, type Keyring } from "../secret-crypto.js";
import { SecretKeyStoreError, type RotationResult, type SecretKeyAction, type SecretKeyEvent, type SecretKeyInfo, type SecretKeyState, type SecretKeyStore } from "../secret-key-store.js";
import type { StoredResource } from "../store.js";
import { destroyKeyFile, fingerprintOf, RotationPendingError, writeKeyFile } from "../sqlite/secret-keys.js";
import { fromRow, RESOURCE_COLUMNS, type ResourceRow } from "../sqlite/resource-rows.js";
import type { SqlValue } from "./bridge.js";
import type { PgStore } from "./pg-store.js";

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

/** Where rotation may be made to crash, for the test that proves it resumes (never set in use). */
const CRASH_ENV = "ORCHESTRATOR_CRASH_AT";

interface KeyRow {
  id: string;
  state: string;
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  revoked_at: string | null;
}

interface HistoryRow {
  id: string | number;
  ts: string;
  action: string;
  key_id: string;
  actor: string;
  detail: string | null;
}

export class PgKeyring implements SecretKeyStore {
  private readonly keyDir: string;
  /** Key bytes by id: a key file never changes once written. */
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private readonly store: PgStore,
    private readonly firstKeyPath: string,
    private readonly readonly: boolean,
  ) {
    this.keyDir = join(dirname(firstKeyPath), "secret-keys");
  }

  private get db() {
    return this.store.db;
  }

  /** The keys as sealing needs them; read at each use, so a rotation by another host is seen at once. */
  ring(): Keyring {
    const id = this.db.value<string>("SELECT id FROM secret_keys WHERE state = 'active'") ?? FIRST_KEY_ID;
    return { active: { id, key: this.keyFor(id) }, keyFor: (other) => this.keyFor(other) };
  }

  keyPath(id: string): string {
    return id === FIRST_KEY_ID ? this.firstKeyPath : join(this.keyDir, `${id}.key`);
  }

  private keyFor(id: string): Buffer {
    const row = this.keyRow(id);
    if (row?.state === "revoked") throw new RevokedKeyError(`it was sealed with key ${id}, which was revoked at ${row.revoked_at}; apply the SecretStore again to seal its values with the active key`);
    let key = this.cache.get(id);
    if (!key) {
      key = readKey(this.keyPath(id));
      this.cache.set(id, key);
    }
    return key;
  }

  listKeys(): SecretKeyInfo[] {
    const counts = this.sealedCounts();
    return this.db.all<KeyRow>("SELECT * FROM secret_keys ORDER BY CAST(substr(id, 2) AS INTEGER), id").map((r) => this.info(r, counts));
  }

  history(filter: { limit?: number; keyId?: string } = {}): SecretKeyEvent[] {
    const params: SqlValue[] = [];
    const where = filter.keyId !== undefined ? `WHERE key_id = $${params.push(filter.keyId)}` : "";
    const sql =
      filter.limit === undefined
        ? `SELECT * FROM secret_key_history ${where} ORDER BY id`
        : `SELECT * FROM (SELECT * FROM secret_key_history ${where} ORDER BY id DESC LIMIT $${params.push(filter.limit)}) h ORDER BY id`;
    return this.db.all<HistoryRow>(sql, params).map((h) => ({ id: Number(h.id), ts: h.ts, action: h.action as SecretKeyAction, keyId: h.key_id, actor: h.actor, detail: h.detail }));
  }

  pendingKey(): SecretKeyInfo | undefined {
    const row = this.db.get<KeyRow>("SELECT * FROM secret_keys WHERE state = 'pending'");
    return row && this.info(row, this.sealedCounts());
  }

  startRotation(actor: string): SecretKeyInfo {
    this.assertWritable("rotate the secret key");
    const pending = this.pendingKey();
    if (pending) throw new RotationPendingError(pending.id);
    const ids = this.db.column<string>("SELECT id FROM secret_keys").map((id) => Number(id.slice(1))).filter(Number.isInteger);
    const id = `k${Math.max(0, ...ids) + 1}`;
    const path = this.keyPath(id);
    mkdirSync(this.keyDir, { recursive: true, mode: 0o700 });
    writeKeyFile(path);
    try {
      this.store.writeTransaction(() => {
        const now = new Date().toISOString();
        // The primary key refuses a second host starting the same rotation at once.
        this.db.run([{ sql: "INSERT INTO secret_keys (id, state, created_at) VALUES ($1, 'pending', $2)", params: [id, now] }]);
        this.record(now, "rotation_started", id, actor, `new key file secret-keys/${id}.key`);
      });
    } catch (err) {
      rmSync(path, { force: true });
      throw err;
    }
    return this.pendingKey()!;
  }

  finishRotation(actor: string, content: (r: StoredResource) => JsonObject): RotationResult {
    this.assertWritable("rotate the secret key");
    return this.store.writeTransaction((): RotationResult => {
      const pending = this.db.get<KeyRow>("SELECT * FROM secret_keys WHERE state = 'pending' FOR UPDATE");
      if (!pending) throw new SecretKeyStoreError("no rotation is pending; start one with `orchestrator secret key rotate`");
      const old = this.ring();
      const next: Keyring = { active: { id: pending.id, key: this.keyFor(pending.id) }, keyFor: (id) => this.keyFor(id) };
      const rows = this.db.all<ResourceRow>(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE kind = $1 ORDER BY project, name`, [SECRET_KIND]);
      let values = 0;
      rows.forEach((row, i) => {
        const resource = fromRow(row, (_kind, spec, r) => openSecretSpec(old, spec, describeKey(r)));
        const sealed = sealSecretSpec(next, resource.spec);
        const hash = contentHash(SECRET_KIND, content(resource), () => next.active.key);
        this.db.run([
          { sql: "UPDATE resources SET spec = $1, hash = $2 WHERE project = $3 AND kind = $4 AND name = $5", params: [JSON.stringify(sealed), hash, row.project, row.kind, row.name] },
          { sql: "UPDATE source_inventory SET hash = $1 WHERE project = $2 AND kind = $3 AND name = $4 AND hash = $5", params: [hash, row.project, row.kind, row.name, row.hash] },
        ]);
        values += [...sealedKeyIds(sealed).values()].reduce((a, b) => a + b, 0);
        if (i === 0 && process.env[CRASH_ENV] === "secret-key-rotation") process.kill(process.pid, "SIGKILL");
      });
      const now = new Date().toISOString();
      this.db.run([
        { sql: "UPDATE secret_keys SET state = 'retired', retired_at = $1 WHERE state = 'active'", params: [now] },
        { sql: "UPDATE secret_keys SET state = 'active', activated_at = $1 WHERE id = $2", params: [now, pending.id] },
      ]);
      this.record(now, "rotated", pending.id, actor, `${values} value(s) of ${rows.length} SecretStore(s) re-sealed; ${old.active.id} retired`);
      return { id: pending.id, previous: old.active.id, stores: rows.length, values };
    });
  }

  revokeKey(id: string, actor: string, force: boolean): { values: number } {
    this.assertWritable("revoke a secret key");
    const row = this.keyRow(id);
    if (!row) throw new SecretKeyStoreError(`no secret key '${id}'; \`orchestrator secret key list\` shows them`);
    if (row.state === "revoked") throw new SecretKeyStoreError(`key ${id} was already revoked at ${row.revoked_at}`);
    if (row.state === "active") throw new SecretKeyStoreError(`key ${id} is the active key; rotate first (\`orchestrator secret key rotate\`), then revoke it`);
    if (row.state === "pending") throw new SecretKeyStoreError(`key ${id} is pending in an unfinished rotation; finish it with \`orchestrator secret key rotate --resume\` first`);
    const values = this.sealedCounts().get(id) ?? 0;
    if (values > 0 && !force) {
      throw new SecretKeyStoreError(`${values} SecretStore value(s) are still sealed with key ${id} and could not be read once it is revoked; rotate to re-seal them, or give --force`);
    }
    this.store.writeTransaction(() => {
      const now = new Date().toISOString();
      this.db.run([{ sql: "UPDATE secret_keys SET state = 'revoked', revoked_at = $1 WHERE id = $2", params: [now, id] }]);
      this.record(now, "revoked", id, actor, values > 0 ? `${values} value(s) sealed with it can no longer be read` : "no value was sealed with it");
    });
    // This home's copy only: the other homes' copies are theirs to destroy (the key's row refuses it everywhere).
    destroyKeyFile(this.keyPath(id));
    this.cache.delete(id);
    return { values };
  }

  private info(r: KeyRow, counts: Map<string, number>): SecretKeyInfo {
    return {
      id: r.id,
      state: r.state as SecretKeyState,
      createdAt: r.created_at,
      activatedAt: r.activated_at,
      retiredAt: r.retired_at,
      revokedAt: r.revoked_at,
      fingerprint: fingerprintOf(this.keyPath(r.id)),
      values: counts.get(r.id) ?? 0,
    };
  }

  /** How many SecretStore values each key sealed, read from the sealed rows (no key needed). */
  private sealedCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const spec of this.db.column<string>("SELECT spec FROM resources WHERE kind = $1", [SECRET_KIND])) sealedKeyIds(JSON.parse(spec) as JsonObject, counts);
    return counts;
  }

  private keyRow(id: string): KeyRow | undefined {
    return this.db.get<KeyRow>("SELECT * FROM secret_keys WHERE id = $1", [id]);
  }

  private record(ts: string, action: SecretKeyAction, keyId: string, actor: string, detail: string | null): void {
    this.db.run([{ sql: "INSERT INTO secret_key_history (ts, action, key_id, actor, detail) VALUES ($1, $2, $3, $4, $5)", params: [ts, action, keyId, actor, detail] }]);
    this.store.insertEvent({ type: `secret_key_${action}`, message: `secret key ${keyId} ${action.replace("_", " ")} by ${actor}${detail ? `: ${detail}` : ""}`, actor, data: { keyId, action } }, ts);
  }

  private assertWritable(what: string): void {
    if (this.readonly) throw new ReadonlyStoreError(this.firstKeyPath, what);
  }
}
