/**
 * @module The PostgreSQL Store: resources, events and meta in a database
 * several controllers share. Behaves as the SQLite store does (one contract
 * suite checks both); what sharing adds is kept here: writeTransaction takes
 * a transaction-level advisory lock (the BEGIN IMMEDIATE of SQLite), events
 * are inserted just before COMMIT under a lock so their ids follow commit
 * order, and a controller's writes are fenced by its lease.
 */
import { isProjectScoped } from "../../resources/kinds.js";
import { DEFAULT_PROJECT, type JsonObject, type ResourceKey } from "../../resources/types.js";
import { contentHash, SECRET_KIND } from "../content-hash.js";
import type { ControllerStoreProvider } from "../controller-store.js";
import { describeKey, ReadonlyStoreError, ResourceConflictError } from "../errors.js";
import { openSecretSpec, sealSecretSpec } from "../secret-crypto.js";
import type { SecretKeyStoreProvider } from "../secret-key-store.js";
import { pgKeyring } from "./pg-keyring.js";
import type { SourceStoreProvider } from "../source-store.js";
import type {
  TriggerDelivery,
  TriggerDeliveryKey,
  EventFilter,
  MigrationInfo,
  NewEvent,
  ResourceChange,
  ResourceFilter,
  ResourceHead,
  ResourceWrite,
  Store,
  StoredEvent,
  StoredResource,
  StoreStatus,
} from "../store.js";
import type { TaskStoreProvider } from "../task-store.js";
import { eventFromRow, eventParams, resourceEvent } from "../sqlite/event-queries.js";
import { fromRow, toParams, RESOURCE_COLUMNS, type ResourceRow } from "../sqlite/resource-rows.js";
import { headFromRow, type HeadRow } from "../sqlite/source-heads.js";
import { PgConnection, PgError, type SqlValue, type Statement } from "./bridge.js";
import type { StatementResult } from "./bridge-protocol.js";
import { PgControllerStore } from "./pg-controller-store.js";
import { fence, LEASE_LOST_SQLSTATE, LOCK, xactLock } from "./locks.js";
import { listPgMigrations, pgSchemaVersion } from "./migrate.js";
import { PG_LATEST_VERSION } from "./migrations.js";
import { PgSourceStore } from "./pg-source-store.js";
import { PgTaskStore } from "./pg-task-store.js";
import { named } from "./sql.js";
import { LeaseLostError } from "../controller-store.js";
import type { StepLogStore, StepLogStoreProvider } from "../step-log-store.js";
import type { WorkflowStoreEntriesProvider } from "../workflow-store-entries.js";
import type { SqlKeyring } from "../secret-key-rotation.js";
import type { SqlWorkflowStoreEntries } from "../workflow-store-entries-sql.js";
import { pgWorkflowStoreEntries } from "./pg-workflow-store.js";
import { DELIVERY_COLUMNS, deliveryFromRow, type DeliveryRow } from "../sqlite/trigger-delivery-rows.js";

const PROJECT_KIND = "Project";

export interface PgStoreOptions {
  db: PgConnection;
  /** The database URL without its password: what `path` shows. */
  label: string;
  keyPath: string;
  readonly: boolean;
}

const INSERT_RESOURCE = `
  INSERT INTO resources (project, kind, name, api_version, spec, labels, annotations, description,
                         generation, hash, applied_by, origin_file, origin_line, origin_commit, created_at, updated_at)
  VALUES (@project, @kind, @name, @api_version, @spec, @labels, @annotations, @description,
          1, @hash, @applied_by, @origin_file, @origin_line, @origin_commit, @now, @now)
  ON CONFLICT (project, kind, name) DO NOTHING`;

const UPDATE_RESOURCE = `
  UPDATE resources SET api_version = @api_version, spec = @spec, labels = @labels, annotations = @annotations,
    description = @description, generation = generation + @bump, hash = @hash, applied_by = @applied_by,
    origin_file = @origin_file, origin_line = @origin_line, origin_commit = @origin_commit, updated_at = @now
  WHERE project = @project AND kind = @kind AND name = @name
  RETURNING generation`;

const INSERT_EVENT = `
  INSERT INTO events (ts, type, project, kind, name, message, actor, task_id, run_id, data)
  VALUES (@ts, @type, @project, @kind, @name, @message, @actor, @task_id, @run_id, @data)`;

export class PgStore
  implements Store, TaskStoreProvider, SourceStoreProvider, ControllerStoreProvider, StepLogStoreProvider, SecretKeyStoreProvider, WorkflowStoreEntriesProvider
{
  readonly path: string;
  readonly db: PgConnection;
  private readonly keyPath: string;
  private readonly readonly: boolean;
  private keyring: SqlKeyring | undefined;
  private tasks: PgTaskStore | undefined;
  private sources: PgSourceStore | undefined;
  private controllers: PgControllerStore | undefined;
  private entries: SqlWorkflowStoreEntries | undefined;
  /** The lease epoch fencing this store's writes, once a controller registered. */
  private fenceEpoch: number | undefined;

  constructor(opts: PgStoreOptions) {
    this.db = opts.db;
    this.path = opts.label;
    this.keyPath = opts.keyPath;
    this.readonly = opts.readonly;
    this.db.deferredPrelude = [xactLock(LOCK.events)];
  }

  close(): void {
    this.db.close();
  }

  taskStore(): PgTaskStore {
    this.tasks ??= new PgTaskStore(this);
    return this.tasks;
  }

  sourceStore(): PgSourceStore {
    this.sources ??= new PgSourceStore(this);
    return this.sources;
  }

  controllerStore(): PgControllerStore {
    this.controllers ??= new PgControllerStore(this, (epoch) => (this.fenceEpoch = epoch));
    return this.controllers;
  }

  /** Local WorkflowStore entries, in this database. */
  workflowStoreEntries(): SqlWorkflowStoreEntries {
    this.entries ??= pgWorkflowStoreEntries(this);
    return this.entries;
  }

  stepLogStore(): StepLogStore {
    return {
      appendLog: (runId, offset, data) => {
        this.writeOne({ sql: 'INSERT INTO log_chunks (run_id, "offset", data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', params: [runId, offset, data] });
      },
      readLog: (runId, offset, maxBytes) => {
        const rows = this.db.all<{ offset: number; data: Buffer }>(
          'SELECT "offset", data FROM log_chunks WHERE run_id = $1 AND "offset" + length(data) > $2 AND "offset" < $3 ORDER BY "offset"',
          [runId, offset, offset + maxBytes],
        );
        const parts: Buffer[] = [];
        let pos = offset;
        for (const r of rows) {
          const data = Buffer.from(r.data);
          if (r.offset > pos) break; // a gap: stop at what is contiguous
          const piece = data.subarray(pos - r.offset, Math.min(data.length, pos - r.offset + (offset + maxBytes - pos)));
          parts.push(piece);
          pos += piece.length;
        }
        return Buffer.concat(parts);
      },
      logSize: (runId) => this.db.value<number>('SELECT coalesce(max("offset" + length(data)), 0) FROM log_chunks WHERE run_id = $1', [runId]) ?? 0,
    };
  }

  // ── Writing: the pieces every PostgreSQL store module writes through ──

  assertWritable(what: string): void {
    if (this.readonly) throw new ReadonlyStoreError(this.path, what);
  }

  /** fn in a transaction (joining the open one), after the fence check when this process holds a lease. */
  write<T>(fn: () => T, begin: readonly Statement[] = []): T {
    const pre = this.fenceEpoch !== undefined && !this.db.inTransaction ? [fence(this.fenceEpoch), ...begin] : begin;
    try {
      return this.db.transaction(fn, pre);
    } catch (err) {
      throw leaseError(err);
    }
  }

  /** One statement as a fenced write; rows changed. */
  writeOne(statement: Statement): number {
    return this.writeStatement(statement).rowCount;
  }

  /** One statement as a fenced write; its result (rows it returns, rows changed). */
  writeStatement(statement: Statement): StatementResult {
    try {
      if (this.fenceEpoch === undefined || this.db.inTransaction) return this.db.run([statement])[0]!;
      // The fence check and the write in one round trip.
      return this.db.atomic([fence(this.fenceEpoch), statement])[1]!;
    } catch (err) {
      throw leaseError(err);
    }
  }

  /** Events are written just before COMMIT, under a lock held to the commit: ids follow commit order. */
  insertEvent(event: NewEvent, ts: string): void {
    const statement = named(INSERT_EVENT, eventParams(event, ts) as unknown as Record<string, unknown>);
    if (this.db.inTransaction || this.fenceEpoch === undefined) this.db.defer(statement);
    else this.write(() => this.db.defer(statement));
  }

  // ── Store ──

  getResource(key: ResourceKey): StoredResource | undefined {
    const k = storageKey(key);
    const row = this.db.get<ResourceRow>(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE project = $1 AND kind = $2 AND name = $3`, [k.project, k.kind, k.name]);
    return row && this.toResource(row);
  }

  getSealedResource(key: ResourceKey): StoredResource | undefined {
    const k = storageKey(key);
    const row = this.db.get<ResourceRow>(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE project = $1 AND kind = $2 AND name = $3`, [k.project, k.kind, k.name]);
    return row && fromRow(row, (_kind, spec) => spec);
  }

  listResources(filter: ResourceFilter = {}): StoredResource[] {
    const { where, params, order } = listShape(filter);
    return this.db.all<ResourceRow>(`SELECT ${RESOURCE_COLUMNS} FROM resources${where} ORDER BY ${order}`, params).map((r) => this.toResource(r));
  }

  listResourceHeads(filter: ResourceFilter = {}): ResourceHead[] {
    const { where, params, order } = listShape(filter);
    return this.db.all<HeadRow>(`SELECT project, kind, name, hash, generation, applied_by FROM resources${where} ORDER BY ${order}`, params).map(headFromRow);
  }

  writeTransaction<T>(fn: () => T): T {
    this.assertWritable("write");
    return this.write(fn, [xactLock(LOCK.write)]);
  }

  resourcesVersion(): number {
    return Number(this.db.value<string>("SELECT value FROM meta WHERE key = 'resources_version'") ?? 0);
  }

  commit(changes: readonly ResourceChange[], actor: string): void {
    this.assertWritable("commit changes");
    if (changes.length === 0) return;
    const now = new Date().toISOString();
    this.write(() => {
      for (const change of changes) this.applyChange(change, actor, now);
    }, [xactLock(LOCK.write)]);
  }

  deleteProject(project: string, actor: string): number {
    this.assertWritable("delete a project");
    if (project === "") throw new Error('cannot delete project "": give the name of a project');
    const now = new Date().toISOString();
    return this.write((): number => {
      const removed = this.db.all<{ kind: string; name: string; generation: number }>(
        "DELETE FROM resources WHERE project = $1 RETURNING kind, name, generation",
        [project],
      );
      removed.sort((a, b) => (a.kind === b.kind ? cmp(a.name, b.name) : cmp(a.kind, b.kind)));
      for (const r of removed) {
        this.insertEvent(resourceEvent("resource_deleted", { project, ...r }, { generation: r.generation, reason: "project_deleted" }, actor), now);
      }
      const declared = this.db.get<{ generation: number }>(
        "DELETE FROM resources WHERE project = '' AND kind = $1 AND name = $2 RETURNING generation",
        [PROJECT_KIND, project],
      );
      if (declared) {
        this.insertEvent(
          resourceEvent("resource_deleted", { project: "", kind: PROJECT_KIND, name: project }, { generation: declared.generation, reason: "project_deleted" }, actor),
          now,
        );
      }
      const count = removed.length + (declared ? 1 : 0);
      // A project's workflow stores go with it.
      const entries = this.workflowStoreEntries().deleteProjectEntries(project);
      this.insertEvent({ type: "project_deleted", project, message: `project ${project} deleted (${count} resources)`, actor, data: { resources: count, storeEntries: entries } }, now);
      return count;
    }, [xactLock(LOCK.write)]);
  }

  listProjects(): string[] {
    const names = new Set(
      this.db.column<string>("SELECT name FROM resources WHERE project = '' AND kind = 'Project' UNION SELECT DISTINCT project FROM resources WHERE project <> ''"),
    );
    names.add(DEFAULT_PROJECT);
    return [...names].sort();
  }

  contentHash(kind: string, content: JsonObject): string {
    return contentHash(kind, content, () => this.secretKeys().ring().active.key);
  }

  setStatus(key: ResourceKey, status: JsonObject | null): boolean {
    this.assertWritable("set a status");
    const k = storageKey(key);
    return (
      this.writeOne({
        sql: "UPDATE resources SET status = $1 WHERE project = $2 AND kind = $3 AND name = $4",
        params: [status === null ? null : JSON.stringify(status), k.project, k.kind, k.name],
      }) > 0
    );
  }

  getMeta(key: string): string | undefined {
    return this.db.value<string>("SELECT value FROM meta WHERE key = $1", [key]);
  }

  setMeta(key: string, value: string): void {
    this.assertWritable("set a meta value");
    this.writeOne({ sql: "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", params: [key, value] });
  }

  appendEvent(event: NewEvent): void {
    this.assertWritable("append an event");
    this.insertEvent(event, new Date().toISOString());
  }

  getTriggerDelivery(key: TriggerDeliveryKey, notBefore: string): TriggerDelivery | undefined {
    const row = this.db.get<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM trigger_deliveries WHERE project = $1 AND trigger_name = $2 AND delivery_id = $3 AND received_at >= $4`,
      [key.project, key.trigger, key.deliveryId, notBefore],
    );
    return row && deliveryFromRow(row);
  }

  recordTriggerDelivery(d: TriggerDelivery, notBefore: string): TriggerDelivery | undefined {
    this.assertWritable("record a webhook delivery");
    return this.write(() => {
      this.db.run([{ sql: "DELETE FROM trigger_deliveries WHERE received_at < $1", params: [notBefore] }]);
      // A concurrent insert of the same key waits for the other transaction; when that one commits, this one does nothing.
      const [inserted] = this.db.run([
        {
          sql: `INSERT INTO trigger_deliveries (${DELIVERY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project, trigger_name, delivery_id) DO NOTHING`,
          params: [d.project, d.trigger, d.deliveryId, d.receivedAt, d.outcome, d.taskId],
        },
      ]);
      return inserted!.rowCount === 1 ? undefined : this.getTriggerDelivery(d, notBefore);
    });
  }

  listEvents(filter: EventFilter = {}): StoredEvent[] {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (column: string, v: string | number | undefined, op = "="): void => {
      if (v === undefined) return;
      params.push(v);
      where.push(`${column} ${op} $${params.length}`);
    };
    add("project", filter.project);
    add("kind", filter.kind);
    add("name", filter.name);
    add("type", filter.type);
    add("task_id", filter.taskId);
    add("id", filter.sinceId, ">");
    const base = `SELECT id, ts, type, project, kind, name, message, actor, task_id, run_id, data FROM events${where.length ? ` WHERE ${where.join(" AND ")}` : ""}`;
    let sql: string;
    if (filter.limit === undefined) sql = `${base} ORDER BY id`;
    else {
      params.push(filter.limit);
      sql = filter.sinceId !== undefined ? `${base} ORDER BY id LIMIT $${params.length}` : `SELECT * FROM (${base} ORDER BY id DESC LIMIT $${params.length}) e ORDER BY id`;
    }
    return this.db.all<Parameters<typeof eventFromRow>[0]>(sql, params).map(eventFromRow);
  }

  status(): StoreStatus {
    const counts = this.db.get<{ size: number; resources: number; events: number }>(
      "SELECT pg_database_size(current_database()) AS size, (SELECT count(*) FROM resources) AS resources, (SELECT count(*) FROM events) AS events",
    )!;
    return {
      path: this.path,
      sizeBytes: counts.size,
      journalMode: "postgresql",
      schemaVersion: pgSchemaVersion(this.db),
      latestVersion: PG_LATEST_VERSION,
      pending: this.migrations().filter((m) => m.appliedAt === null).length,
      resources: counts.resources,
      events: counts.events,
      projects: this.listProjects().length,
    };
  }

  migrations(): MigrationInfo[] {
    return listPgMigrations(this.db);
  }

  private applyChange(change: ResourceChange, actor: string, now: string): void {
    if (change.op === "delete") {
      const k = storageKey(change.key);
      const gone = this.db.get<{ generation: number }>("DELETE FROM resources WHERE project = $1 AND kind = $2 AND name = $3 RETURNING generation", [k.project, k.kind, k.name]);
      if (!gone) throw new ResourceConflictError(k, "missing", "delete");
      const type = change.reason === "pruned" ? "resource_pruned" : "resource_deleted";
      this.insertEvent(resourceEvent(type, k, { generation: gone.generation }, actor), now);
      return;
    }
    const w = change.resource;
    const k = storageKey({ project: w.metadata.project, kind: w.kind, name: w.metadata.name });
    const params = toParams(w, k.project, this.sealSpec(w), now) as unknown as Record<string, unknown>;
    if (change.op === "create") {
      // ON CONFLICT DO NOTHING rather than catching the violation: an error would abort the whole transaction.
      if (this.db.run([named(INSERT_RESOURCE, params)])[0]!.rowCount === 0) throw new ResourceConflictError(k, "exists", "create");
      this.insertEvent(resourceEvent("resource_created", k, { generation: 1, ...changeData(w) }, actor), now);
      return;
    }
    const updated = this.db.run([named(UPDATE_RESOURCE, { ...params, bump: change.specChanged ? 1 : 0 })])[0]!.rows[0] as { generation: number } | undefined;
    if (!updated) throw new ResourceConflictError(k, "missing", "update");
    this.insertEvent(resourceEvent("resource_updated", k, { generation: updated.generation, specChanged: change.specChanged, ...changeData(w) }, actor), now);
  }

  private sealSpec(w: ResourceWrite): JsonObject {
    return w.kind === SECRET_KIND ? sealSecretSpec(this.secretKeys().ring(), w.spec) : w.spec;
  }

  private toResource(row: ResourceRow): StoredResource {
    return fromRow(row, (kind, spec, r) => (kind === SECRET_KIND ? openSecretSpec(this.secretKeys().ring(), spec, describeKey(r)) : spec));
  }

  /** The keys SecretStore values are sealed with: states in the database, key files in this home. */
  secretKeys(): SqlKeyring {
    this.keyring ??= pgKeyring(this, this.keyPath, this.readonly);
    return this.keyring;
  }
}

/** A fence refusal as the error the rest of the program knows. */
export function leaseError(err: unknown): unknown {
  if (err instanceof PgError && err.code === LEASE_LOST_SQLSTATE) return new LeaseLostError(err.message);
  return err;
}

function storageKey(key: ResourceKey): ResourceKey {
  return key.project !== "" && !isProjectScoped(key.kind) ? { ...key, project: "" } : key;
}

function listShape(filter: ResourceFilter): { where: string; params: string[]; order: string } {
  const where: string[] = [];
  const params: string[] = [];
  if (!filter.allProjects) {
    params.push(filter.kind !== undefined && !isProjectScoped(filter.kind) ? "" : (filter.project ?? DEFAULT_PROJECT));
    where.push(`project = $${params.length}`);
  }
  if (filter.kind !== undefined) {
    params.push(filter.kind);
    where.push(`kind = $${params.length}`);
  }
  if (filter.name !== undefined) {
    params.push(filter.name);
    where.push(`name = $${params.length}`);
  }
  const order = filter.kind !== undefined && filter.allProjects ? "kind, project, name" : "project, kind, name";
  return { where: where.length ? ` WHERE ${where.join(" AND ")}` : "", params, order };
}

function changeData(w: ResourceWrite): JsonObject {
  const origin: JsonObject = { appliedBy: w.origin.appliedBy };
  if (w.origin.file !== undefined) origin.file = w.origin.file;
  if (w.origin.line !== undefined) origin.line = w.origin.line;
  if (w.origin.commit !== undefined) origin.commit = w.origin.commit;
  return { hash: w.hash, origin };
}

/** Byte order, as SQLite's BINARY collation sorts text (PostgreSQL's default collation may not). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
