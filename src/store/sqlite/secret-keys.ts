/**
 * @module The keyring of the SQLite store: which key is active, pending,
 * retired or revoked (table `secret_keys`), who did what when
 * (`secret_key_history`), the key files beside the database, and rotation:
 * every SecretStore row re-sealed and re-hashed with the new key in one
 * transaction, so the store is never half under one key. A rotation whose
 * process died leaves its key pending; `finishRotation` completes it.
 */
import { createHash } from "node:crypto";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Database, Statement } from "better-sqlite3";
import type { JsonObject } from "../../resources/types.js";
import { contentHash, SECRET_KIND } from "../content-hash.js";
import { RevokedKeyError } from "../errors.js";
import { FIRST_KEY_ID, generateKey, openSecretSpec, readKey, sealedKeyIds, sealSecretSpec, type Keyring } from "../secret-crypto.js";
import {
  SecretKeyStoreError,
  type RotationResult,
  type SecretKeyAction,
  type SecretKeyEvent,
  type SecretKeyInfo,
  type SecretKeyState,
  type SecretKeyStore,
} from "../secret-key-store.js";
import type { StoredResource } from "../store.js";
import { describeKey, ReadonlyStoreError } from "../errors.js";
import { immediate } from "./immediate.js";
import { fromRow, RESOURCE_COLUMNS, type ResourceRow } from "./resource-rows.js";

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
  id: number;
  ts: string;
  action: string;
  key_id: string;
  actor: string;
  detail: string | null;
}

export interface SqliteKeyringOptions {
  db: Database;
  /** `secret.key`, key `k1`; the other keys live in `secret-keys/` beside it. */
  firstKeyPath: string;
  readonly: boolean;
}

export class SqliteKeyring implements SecretKeyStore {
  private readonly db: Database;
  private readonly firstKeyPath: string;
  private readonly keyDir: string;
  private readonly readonly: boolean;
  private readonly statements = new Map<string, Statement>();
  /** Key bytes by id: a key file never changes once written. */
  private readonly cache = new Map<string, Buffer>();

  constructor(opts: SqliteKeyringOptions) {
    this.db = opts.db;
    this.firstKeyPath = opts.firstKeyPath;
    this.keyDir = join(dirname(opts.firstKeyPath), "secret-keys");
    this.readonly = opts.readonly;
  }

  /** The keys as sealing needs them; read at each use, so a rotation by another process is seen at once. */
  ring(): Keyring {
    const row = this.stmt("SELECT id FROM secret_keys WHERE state = 'active'").get() as { id: string } | undefined;
    const id = row?.id ?? FIRST_KEY_ID;
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
    return (this.stmt("SELECT * FROM secret_keys ORDER BY CAST(substr(id, 2) AS INTEGER), id").all() as KeyRow[]).map((r) => this.info(r, counts));
  }

  history(filter: { limit?: number; keyId?: string } = {}): SecretKeyEvent[] {
    const where = filter.keyId !== undefined ? "WHERE key_id = ?" : "";
    const params: Array<string | number> = filter.keyId !== undefined ? [filter.keyId] : [];
    const sql =
      filter.limit === undefined
        ? `SELECT * FROM secret_key_history ${where} ORDER BY id`
        : `SELECT * FROM (SELECT * FROM secret_key_history ${where} ORDER BY id DESC LIMIT ?) ORDER BY id`;
    if (filter.limit !== undefined) params.push(filter.limit);
    return (this.db.prepare(sql).all(...params) as HistoryRow[]).map((h) => ({ id: h.id, ts: h.ts, action: h.action as SecretKeyAction, keyId: h.key_id, actor: h.actor, detail: h.detail }));
  }

  pendingKey(): SecretKeyInfo | undefined {
    const row = this.stmt("SELECT * FROM secret_keys WHERE state = 'pending'").get() as KeyRow | undefined;
    return row && this.info(row, this.sealedCounts());
  }

  startRotation(actor: string): SecretKeyInfo {
    this.assertWritable("rotate the secret key");
    const pending = this.pendingKey();
    if (pending) throw new RotationPendingError(pending.id);
    const ids = (this.stmt("SELECT id FROM secret_keys").all() as { id: string }[]).map((r) => Number(r.id.slice(1))).filter(Number.isInteger);
    const id = `k${Math.max(0, ...ids) + 1}`;
    const path = this.keyPath(id);
    mkdirSync(this.keyDir, { recursive: true, mode: 0o700 });
    writeKeyFile(path);
    try {
      immediate(this.db, () => {
        const now = new Date().toISOString();
        this.stmt("INSERT INTO secret_keys (id, state, created_at) VALUES (?, 'pending', ?)").run(id, now);
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
    return immediate(this.db, (): RotationResult => {
      const pending = this.stmt("SELECT * FROM secret_keys WHERE state = 'pending'").get() as KeyRow | undefined;
      if (!pending) throw new SecretKeyStoreError("no rotation is pending; start one with `orchestrator secret key rotate`");
      const old = this.ring();
      const next: Keyring = { active: { id: pending.id, key: this.keyFor(pending.id) }, keyFor: (id) => this.keyFor(id) };
      const rows = this.stmt(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE kind = '${SECRET_KIND}' ORDER BY project, name`).all() as ResourceRow[];
      const update = this.stmt("UPDATE resources SET spec = ?, hash = ? WHERE project = ? AND kind = ? AND name = ?");
      const inventory = this.stmt("UPDATE source_inventory SET hash = ? WHERE project = ? AND kind = ? AND name = ? AND hash = ?");
      let values = 0;
      rows.forEach((row, i) => {
        const resource = fromRow(row, (_kind, spec, r) => openSecretSpec(old, spec, describeKey(r)));
        const sealed = sealSecretSpec(next, resource.spec);
        const hash = contentHash(SECRET_KIND, content(resource), () => next.active.key);
        update.run(JSON.stringify(sealed), hash, row.project, row.kind, row.name);
        inventory.run(hash, row.project, row.kind, row.name, row.hash);
        values += [...sealedKeyIds(sealed).values()].reduce((a, b) => a + b, 0);
        // A crash here, for the test that proves an interrupted rotation leaves the store as it was.
        if (i === 0 && process.env[CRASH_ENV] === "secret-key-rotation") process.kill(process.pid, "SIGKILL");
      });
      const now = new Date().toISOString();
      this.stmt("UPDATE secret_keys SET state = 'retired', retired_at = ? WHERE state = 'active'").run(now);
      this.stmt("UPDATE secret_keys SET state = 'active', activated_at = ? WHERE id = ?").run(now, pending.id);
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
    immediate(this.db, () => {
      const now = new Date().toISOString();
      this.stmt("UPDATE secret_keys SET state = 'revoked', revoked_at = ? WHERE id = ?").run(now, id);
      this.record(now, "revoked", id, actor, values > 0 ? `${values} value(s) sealed with it can no longer be read` : "no value was sealed with it");
    });
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
    for (const row of this.stmt(`SELECT spec FROM resources WHERE kind = '${SECRET_KIND}'`).all() as { spec: string }[]) sealedKeyIds(JSON.parse(row.spec) as JsonObject, counts);
    return counts;
  }

  private keyRow(id: string): KeyRow | undefined {
    return this.stmt("SELECT * FROM secret_keys WHERE id = ?").get(id) as KeyRow | undefined;
  }

  private record(ts: string, action: SecretKeyAction, keyId: string, actor: string, detail: string | null): void {
    this.stmt("INSERT INTO secret_key_history (ts, action, key_id, actor, detail) VALUES (?, ?, ?, ?, ?)").run(ts, action, keyId, actor, detail);
    this.stmt("INSERT INTO events (ts, type, message, actor, data) VALUES (?, ?, ?, ?, ?)").run(
      ts,
      `secret_key_${action}`,
      `secret key ${keyId} ${action.replace("_", " ")} by ${actor}${detail ? `: ${detail}` : ""}`,
      actor,
      JSON.stringify({ keyId, action }),
    );
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  private assertWritable(what: string): void {
    if (this.readonly) throw new ReadonlyStoreError(this.firstKeyPath, what);
  }
}

/** A rotation is already pending: finish it (`--resume`) rather than start another. */
export class RotationPendingError extends SecretKeyStoreError {
  override name = "RotationPendingError";
  constructor(readonly keyId: string) {
    super(`a rotation to key ${keyId} did not finish; complete it with \`orchestrator secret key rotate --resume\``);
  }
}

export function writeKeyFile(path: string): void {
  const fd = openSync(path, "wx", 0o600);
  try {
    writeFileSync(fd, generateKey());
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600);
}

/** Overwrites the key with zeros before removing it, so its bytes do not linger in the file's blocks. */
export function destroyKeyFile(path: string): void {
  if (!existsSync(path)) return;
  try {
    const fd = openSync(path, "r+");
    try {
      writeSync(fd, Buffer.alloc(64));
    } finally {
      closeSync(fd);
    }
  } catch {
    // Unlinking is what matters.
  }
  rmSync(path, { force: true });
}

export function fingerprintOf(path: string): string | null {
  try {
    return createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16);
  } catch {
    return null;
  }
}
