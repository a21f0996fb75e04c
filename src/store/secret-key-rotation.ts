/**
 * @module The keyring over SQL, for either store: which key is active,
 * pending, retired or revoked (table `secret_keys`), who did what when
 * (`secret_key_history`), the key files beside the store's home, and
 * rotation: every SecretStore row re-sealed and re-hashed with the new key
 * in one write transaction, so the store is never half under one key. A
 * rotation whose process died leaves its key pending; `finishRotation`
 * completes it. Statements take `@name` parameters, which both drivers'
 * adapters bind; each store adds a thin adapter (sqlite/secret-keys.ts,
 * postgres/pg-keyring.ts) that runs a statement, writes an event and opens
 * a write transaction its own way. The tables are made by each store's
 * migrations.
 */
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { JsonObject } from "../resources/types.js";
import { contentHash, SECRET_KIND } from "./content-hash.js";
import { describeKey, ReadonlyStoreError, RevokedKeyError } from "./errors.js";
import { FIRST_KEY_ID, openSecretSpec, readKey, sealedKeyIds, sealSecretSpec, type Keyring } from "./secret-crypto.js";
import { destroyKeyFile, fingerprintOf, writeKeyFile } from "./secret-key-files.js";
import {
  RotationPendingError,
  SecretKeyStoreError,
  type RotationResult,
  type SecretKeyAction,
  type SecretKeyEvent,
  type SecretKeyInfo,
  type SecretKeyState,
  type SecretKeyStore,
} from "./secret-key-store.js";
import type { NewEvent, StoredResource } from "./store.js";
import { fromRow, RESOURCE_COLUMNS, type ResourceRow } from "./sqlite/resource-rows.js";

export type KeyringParams = Record<string, string | number | null>;

export interface KeyringStatement {
  sql: string;
  params: KeyringParams;
}

/** What the keyring needs of a database connection. */
export interface KeyringDatabase {
  /** What holds a row read in a write transaction until it commits: ` FOR UPDATE` in PostgreSQL; nothing in SQLite, whose write transaction already shuts other writers out. */
  readonly rowLock: string;
  /** Rows of a read. */
  read<T>(sql: string, params?: KeyringParams): T[];
  /** Writes in order, inside the open transaction (PostgreSQL sends them in one round trip). */
  write(statements: readonly KeyringStatement[]): void;
  /** An event written with the open transaction, as the store writes its other events. */
  insertEvent(event: NewEvent, ts: string): void;
  /** fn in one write transaction. */
  transaction<T>(fn: () => T): T;
}

/** Where rotation may be made to crash, for the test that proves it resumes (never set in use). */
const CRASH_ENV = "ORCHESTRATOR_CRASH_AT";

const SQL = {
  active: "SELECT id FROM secret_keys WHERE state = 'active'",
  pending: "SELECT * FROM secret_keys WHERE state = 'pending'",
  key: "SELECT * FROM secret_keys WHERE id = @id",
  ids: "SELECT id FROM secret_keys",
  list: "SELECT * FROM secret_keys ORDER BY CAST(substr(id, 2) AS INTEGER), id",
  history: (byKey: boolean, limited: boolean) => {
    const where = byKey ? "WHERE key_id = @keyId" : "";
    return limited
      ? `SELECT * FROM (SELECT * FROM secret_key_history ${where} ORDER BY id DESC LIMIT @limit) h ORDER BY id`
      : `SELECT * FROM secret_key_history ${where} ORDER BY id`;
  },
  // The primary key refuses a second writer starting the same rotation at once.
  addPending: "INSERT INTO secret_keys (id, state, created_at) VALUES (@id, 'pending', @now)",
  retireActive: "UPDATE secret_keys SET state = 'retired', retired_at = @now WHERE state = 'active'",
  activate: "UPDATE secret_keys SET state = 'active', activated_at = @now WHERE id = @id",
  revoke: "UPDATE secret_keys SET state = 'revoked', revoked_at = @now WHERE id = @id",
  record: "INSERT INTO secret_key_history (ts, action, key_id, actor, detail) VALUES (@ts, @action, @keyId, @actor, @detail)",
  secrets: `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE kind = @kind ORDER BY project, name`,
  sealedSpecs: "SELECT spec FROM resources WHERE kind = @kind",
  reseal: "UPDATE resources SET spec = @spec, hash = @hash WHERE project = @project AND kind = @kind AND name = @name",
  rehashInventory: "UPDATE source_inventory SET hash = @hash WHERE project = @project AND kind = @kind AND name = @name AND hash = @old",
};

interface KeyRow {
  id: string;
  state: string;
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  revoked_at: string | null;
}

interface HistoryRow {
  /** A number in SQLite; PostgreSQL's BIGSERIAL arrives as one too (the bridge parses INT8), Number() keeps it so. */
  id: string | number;
  ts: string;
  action: string;
  key_id: string;
  actor: string;
  detail: string | null;
}

export class SqlKeyring implements SecretKeyStore {
  private readonly keyDir: string;
  /** Key bytes by id: a key file never changes once written. */
  private readonly cache = new Map<string, Buffer>();

  /** `firstKeyPath` is `secret.key`, key `k1`; the other keys live in `secret-keys/` beside it. */
  constructor(
    private readonly db: KeyringDatabase,
    private readonly firstKeyPath: string,
    private readonly readonly: boolean,
  ) {
    this.keyDir = join(dirname(firstKeyPath), "secret-keys");
  }

  /** The keys as sealing needs them; read at each use, so a rotation by another process or host is seen at once. */
  ring(): Keyring {
    const id = this.db.read<{ id: string }>(SQL.active)[0]?.id ?? FIRST_KEY_ID;
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
    return this.db.read<KeyRow>(SQL.list).map((r) => this.info(r, counts));
  }

  history(filter: { limit?: number; keyId?: string } = {}): SecretKeyEvent[] {
    const params: KeyringParams = {};
    if (filter.keyId !== undefined) params["keyId"] = filter.keyId;
    if (filter.limit !== undefined) params["limit"] = filter.limit;
    return this.db
      .read<HistoryRow>(SQL.history(filter.keyId !== undefined, filter.limit !== undefined), params)
      .map((h) => ({ id: Number(h.id), ts: h.ts, action: h.action as SecretKeyAction, keyId: h.key_id, actor: h.actor, detail: h.detail }));
  }

  pendingKey(): SecretKeyInfo | undefined {
    const row = this.db.read<KeyRow>(SQL.pending)[0];
    return row && this.info(row, this.sealedCounts());
  }

  startRotation(actor: string): SecretKeyInfo {
    this.assertWritable("rotate the secret key");
    const pending = this.pendingKey();
    if (pending) throw new RotationPendingError(pending.id);
    const ids = this.db
      .read<{ id: string }>(SQL.ids)
      .map((r) => Number(r.id.slice(1)))
      .filter(Number.isInteger);
    const id = `k${Math.max(0, ...ids) + 1}`;
    const path = this.keyPath(id);
    mkdirSync(this.keyDir, { recursive: true, mode: 0o700 });
    writeKeyFile(path);
    try {
      this.db.transaction(() => {
        const now = new Date().toISOString();
        this.db.write([{ sql: SQL.addPending, params: { id, now } }]);
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
    return this.db.transaction((): RotationResult => {
      const pending = this.db.read<KeyRow>(SQL.pending + this.db.rowLock)[0];
      if (!pending) throw new SecretKeyStoreError("no rotation is pending; start one with `orchestrator secret key rotate`");
      const old = this.ring();
      const next: Keyring = { active: { id: pending.id, key: this.keyFor(pending.id) }, keyFor: (id) => this.keyFor(id) };
      const rows = this.db.read<ResourceRow>(SQL.secrets, { kind: SECRET_KIND });
      let values = 0;
      rows.forEach((row, i) => {
        const resource = fromRow(row, (_kind, spec, r) => openSecretSpec(old, spec, describeKey(r)));
        const sealed = sealSecretSpec(next, resource.spec);
        const hash = contentHash(SECRET_KIND, content(resource), () => next.active.key);
        const key = { project: row.project, kind: row.kind, name: row.name };
        this.db.write([
          { sql: SQL.reseal, params: { ...key, spec: JSON.stringify(sealed), hash } },
          { sql: SQL.rehashInventory, params: { ...key, hash, old: row.hash } },
        ]);
        values += [...sealedKeyIds(sealed).values()].reduce((a, b) => a + b, 0);
        // A crash here, for the test that proves an interrupted rotation leaves the store as it was.
        if (i === 0 && process.env[CRASH_ENV] === "secret-key-rotation") process.kill(process.pid, "SIGKILL");
      });
      const now = new Date().toISOString();
      this.db.write([
        { sql: SQL.retireActive, params: { now } },
        { sql: SQL.activate, params: { now, id: pending.id } },
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
    this.db.transaction(() => {
      const now = new Date().toISOString();
      this.db.write([{ sql: SQL.revoke, params: { now, id } }]);
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
    for (const row of this.db.read<{ spec: string }>(SQL.sealedSpecs, { kind: SECRET_KIND })) sealedKeyIds(JSON.parse(row.spec) as JsonObject, counts);
    return counts;
  }

  private keyRow(id: string): KeyRow | undefined {
    return this.db.read<KeyRow>(SQL.key, { id })[0];
  }

  private record(ts: string, action: SecretKeyAction, keyId: string, actor: string, detail: string | null): void {
    this.db.write([{ sql: SQL.record, params: { ts, action, keyId, actor, detail } }]);
    this.db.insertEvent({ type: `secret_key_${action}`, message: `secret key ${keyId} ${action.replace("_", " ")} by ${actor}${detail ? `: ${detail}` : ""}`, actor, data: { keyId, action } }, ts);
  }

  private assertWritable(what: string): void {
    if (this.readonly) throw new ReadonlyStoreError(this.firstKeyPath, what);
  }
}
