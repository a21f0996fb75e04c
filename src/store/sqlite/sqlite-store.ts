/**
 * @module The SQLite Store: resources, events and meta over one better-sqlite3
 * connection, statements prepared once, every commit one immediate transaction.
 */
import { statSync } from "node:fs";
import type { Database, Statement } from "better-sqlite3";
import { isProjectScoped } from "../../resources/kinds.js";
import { DEFAULT_PROJECT, type JsonObject, type ResourceKey } from "../../resources/types.js";
import { contentHash, SECRET_KIND } from "../content-hash.js";
import { describeKey, ReadonlyStoreError, ResourceConflictError } from "../errors.js";
import { openSecretSpec, sealSecretSpec } from "../secret-crypto.js";
import type { SecretKeyStoreProvider } from "../secret-key-store.js";
import { sqliteKeyring } from "./secret-keys.js";
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
import type { WorkflowStoreEntriesProvider } from "../workflow-store-entries.js";
import { sqliteWorkflowStoreEntries } from "./workflow-store-sqlite.js";
import type { SqlKeyring } from "../secret-key-rotation.js";
import type { SqlWorkflowStoreEntries } from "../workflow-store-entries-sql.js";
import {
  COUNT_EVENTS,
  eventFromRow,
  eventParams,
  eventParamsOf,
  eventShape,
  INSERT_EVENT,
  listEventsSql,
  resourceEvent,
} from "./event-queries.js";
import { LATEST_VERSION, listMigrations, userVersion } from "./migrate.js";
import {
  COUNT_RESOURCES,
  DELETE_PROJECT_RESOURCES,
  DELETE_RESOURCE,
  GET_RESOURCE,
  INSERT_RESOURCE,
  LIST_PROJECTS,
  listResourcesSql,
  SET_STATUS,
  UPDATE_RESOURCE,
  type ListShape,
} from "./resource-queries.js";
import { fromRow, toParams, type ResourceRow } from "./resource-rows.js";
import { SqliteTaskStore } from "./task-sqlite-store.js";
import type { SourceStoreProvider } from "../source-store.js";
import { headFromRow, listHeadsSql, RESOURCES_VERSION, type HeadRow } from "./source-heads.js";
import { SqliteSourceStore } from "./source-sqlite-store.js";
import { DELIVERY_COLUMNS, deliveryFromRow, type DeliveryRow } from "./trigger-delivery-rows.js";
import { immediate } from "./immediate.js";
import type { ControllerStoreProvider } from "../controller-store.js";
import { SqliteControllerStore } from "./sqlite-controller-store.js";

/** Deleting a project also deletes its declaring Project resource (stored under project ""). */
const PROJECT_KIND = "Project";

export interface SqliteStoreOptions {
  db: Database;
  path: string;
  keyPath: string;
  readonly: boolean;
}

export class SqliteStore implements Store, TaskStoreProvider, SourceStoreProvider, ControllerStoreProvider, WorkflowStoreEntriesProvider, SecretKeyStoreProvider {
  readonly path: string;
  private readonly db: Database;
  private readonly keyPath: string;
  private readonly readonly: boolean;
  private keyring: SqlKeyring | undefined;
  // Prepared lazily, once: a read-only `get` never pays for write statements.
  private readonly statements = new Map<string, Statement>();
  private tasks: SqliteTaskStore | undefined;
  private sources: SqliteSourceStore | undefined;
  private entries: SqlWorkflowStoreEntries | undefined;
  private controllers: SqliteControllerStore | undefined;

  constructor(opts: SqliteStoreOptions) {
    this.db = opts.db;
    this.path = opts.path;
    this.keyPath = opts.keyPath;
    this.readonly = opts.readonly;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The tasks, items and runs kept in this store's database, on its connection. */
  taskStore(): SqliteTaskStore {
    this.tasks ??= new SqliteTaskStore({ db: this.db, path: this.path, readonly: this.readonly });
    return this.tasks;
  }

  /** Local WorkflowStore entries, on this store's connection. */
  workflowStoreEntries(): SqlWorkflowStoreEntries {
    this.entries ??= sqliteWorkflowStoreEntries(this.db, this.path, this.readonly);
    return this.entries;
  }

  /** The keys SecretStore values are sealed with, on this store's connection. */
  secretKeys(): SqlKeyring {
    this.keyring ??= sqliteKeyring(this.db, this.keyPath, this.readonly);
    return this.keyring;
  }

  /** Sources, inventories and reconcile requests, on this store's connection. */
  sourceStore(): SqliteSourceStore {
    this.sources ??= new SqliteSourceStore({ db: this.db, path: this.path, readonly: this.readonly, resources: this });
    return this.sources;
  }

  /** The controllers registered on this store (one at a time, by its lock file). */
  controllerStore(): SqliteControllerStore {
    this.controllers ??= new SqliteControllerStore(
      this,
      () => this.stmt("SELECT key FROM meta WHERE key LIKE 'controller.%'").pluck().all() as string[],
      (key) => void this.stmt("DELETE FROM meta WHERE key = ?").run(key),
      (prefix) =>
        this.stmt("SELECT count(*) FROM tasks WHERE claimed_by >= ? AND claimed_by < ? AND finished_at IS NULL").pluck().get(`${prefix}:`, `${prefix}:\uffff`) as number,
    );
    return this.controllers;
  }

  listResourceHeads(filter: ResourceFilter = {}): ResourceHead[] {
    const shape: ListShape = { project: !filter.allProjects, kind: filter.kind !== undefined, name: filter.name !== undefined };
    const params: string[] = [];
    if (shape.project) params.push(projectParam(filter));
    if (filter.kind !== undefined) params.push(filter.kind);
    if (filter.name !== undefined) params.push(filter.name);
    const stmt = this.stmtFor(`heads:${shape.project}${shape.kind}${shape.name}`, () => listHeadsSql(shape));
    return (stmt.all(...params) as HeadRow[]).map(headFromRow);
  }

  writeTransaction<T>(fn: () => T): T {
    this.assertWritable("write");
    return immediate(this.db, fn);
  }

  resourcesVersion(): number {
    return (this.stmt(RESOURCES_VERSION).pluck().get() as number | undefined) ?? 0;
  }

  getResource(key: ResourceKey): StoredResource | undefined {
    const k = storageKey(key);
    const row = this.stmt(GET_RESOURCE).get(k.project, k.kind, k.name) as ResourceRow | undefined;
    return row && this.toResource(row);
  }

  getSealedResource(key: ResourceKey): StoredResource | undefined {
    const k = storageKey(key);
    const row = this.stmt(GET_RESOURCE).get(k.project, k.kind, k.name) as ResourceRow | undefined;
    return row && fromRow(row, (_kind, spec) => spec);
  }

  /** `project` defaults to `default`; for a cluster-wide kind (Project, CRD) it is always "". */
  listResources(filter: ResourceFilter = {}): StoredResource[] {
    const shape: ListShape = { project: !filter.allProjects, kind: filter.kind !== undefined, name: filter.name !== undefined };
    const params: string[] = [];
    if (shape.project) params.push(projectParam(filter));
    if (filter.kind !== undefined) params.push(filter.kind);
    if (filter.name !== undefined) params.push(filter.name);
    const rows = this.stmt(listResourcesSql(shape)).all(...params) as ResourceRow[];
    return rows.map((r) => this.toResource(r));
  }

  commit(changes: readonly ResourceChange[], actor: string): void {
    this.assertWritable("commit changes");
    if (changes.length === 0) return;
    const now = new Date().toISOString();
    immediate(this.db, () => {
      for (const change of changes) this.applyChange(change, actor, now);
    });
  }

  deleteProject(project: string, actor: string): number {
    this.assertWritable("delete a project");
    if (project === "") throw new Error('cannot delete project "": give the name of a project');
    const now = new Date().toISOString();
    return immediate(this.db, (): number => {
      const removed = this.stmt(DELETE_PROJECT_RESOURCES).all(project) as { kind: string; name: string; generation: number }[];
      for (const r of removed) {
        this.insertEvent(resourceEvent("resource_deleted", { project, ...r }, { generation: r.generation, reason: "project_deleted" }, actor), now);
      }
      const declared = this.stmt(DELETE_RESOURCE).get("", PROJECT_KIND, project) as { generation: number } | undefined;
      if (declared) {
        this.insertEvent(
          resourceEvent("resource_deleted", { project: "", kind: PROJECT_KIND, name: project }, { generation: declared.generation, reason: "project_deleted" }, actor),
          now,
        );
      }
      const count = removed.length + (declared ? 1 : 0);
      // A project's workflow stores go with it.
      const entries = this.workflowStoreEntries().deleteProjectEntries(project);
      this.insertEvent(
        { type: "project_deleted", project, message: `project ${project} deleted (${count} resources)`, actor, data: { resources: count, storeEntries: entries } },
        now,
      );
      return count;
    });
  }

  /** Sorted; always includes `default`. */
  listProjects(): string[] {
    const names = new Set(this.stmt(LIST_PROJECTS).pluck().all() as string[]);
    names.add(DEFAULT_PROJECT);
    return [...names].sort();
  }

  contentHash(kind: string, content: JsonObject): string {
    return contentHash(kind, content, () => this.secretKeys().ring().active.key);
  }

  appendEvent(event: NewEvent): void {
    this.assertWritable("append an event");
    this.insertEvent(event, new Date().toISOString());
  }

  getTriggerDelivery(key: TriggerDeliveryKey, notBefore: string): TriggerDelivery | undefined {
    const row = this.stmt(`SELECT ${DELIVERY_COLUMNS} FROM trigger_deliveries WHERE project = ? AND trigger_name = ? AND delivery_id = ? AND received_at >= ?`).get(
      key.project,
      key.trigger,
      key.deliveryId,
      notBefore,
    ) as DeliveryRow | undefined;
    return row && deliveryFromRow(row);
  }

  recordTriggerDelivery(d: TriggerDelivery, notBefore: string): TriggerDelivery | undefined {
    this.assertWritable("record a webhook delivery");
    return immediate(this.db, () => {
      this.stmt("DELETE FROM trigger_deliveries WHERE received_at < ?").run(notBefore);
      const inserted = this.stmt(
        `INSERT INTO trigger_deliveries (${DELIVERY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project, trigger_name, delivery_id) DO NOTHING`,
      ).run(d.project, d.trigger, d.deliveryId, d.receivedAt, d.outcome, d.taskId).changes;
      return inserted === 1 ? undefined : this.getTriggerDelivery(d, notBefore);
    });
  }

  listEvents(filter: EventFilter = {}): StoredEvent[] {
    const stmt = this.stmtFor(`events:${eventShape(filter)}`, () => listEventsSql(filter));
    return (stmt.all(...eventParamsOf(filter)) as Parameters<typeof eventFromRow>[0][]).map(eventFromRow);
  }

  /**
   * Replaces a resource's status (the engine and controllers write it);
   * generation, hash and updated_at stay as they are. False when absent.
   */
  setStatus(key: ResourceKey, status: JsonObject | null): boolean {
    this.assertWritable("set a status");
    const k = storageKey(key);
    const result = this.stmt(SET_STATUS).run(status === null ? null : JSON.stringify(status), k.project, k.kind, k.name);
    return result.changes > 0;
  }

  getMeta(key: string): string | undefined {
    return this.stmt("SELECT value FROM meta WHERE key = ?").pluck().get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.assertWritable("set a meta value");
    this.stmt("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  status(): StoreStatus {
    const version = userVersion(this.db);
    const pending = this.migrations().filter((m) => m.appliedAt === null).length;
    return {
      path: this.path,
      sizeBytes: fileSize(this.path) + fileSize(`${this.path}-wal`),
      journalMode: String(this.db.pragma("journal_mode", { simple: true })),
      schemaVersion: version,
      latestVersion: LATEST_VERSION,
      pending,
      resources: this.stmt(COUNT_RESOURCES).pluck().get() as number,
      events: this.stmt(COUNT_EVENTS).pluck().get() as number,
      projects: this.listProjects().length,
    };
  }

  migrations(): MigrationInfo[] {
    return listMigrations(this.db);
  }

  private applyChange(change: ResourceChange, actor: string, now: string): void {
    if (change.op === "delete") {
      const k = storageKey(change.key);
      const gone = this.stmt(DELETE_RESOURCE).get(k.project, k.kind, k.name) as { generation: number } | undefined;
      if (!gone) throw new ResourceConflictError(k, "missing", "delete");
      const type = change.reason === "pruned" ? "resource_pruned" : "resource_deleted";
      this.insertEvent(resourceEvent(type, k, { generation: gone.generation }, actor), now);
      return;
    }
    const w = change.resource;
    const k = storageKey({ project: w.metadata.project, kind: w.kind, name: w.metadata.name });
    const params = toParams(w, k.project, this.sealSpec(w), now);
    if (change.op === "create") {
      try {
        this.stmt(INSERT_RESOURCE).run(params);
      } catch (err) {
        if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw new ResourceConflictError(k, "exists", "create");
        throw err;
      }
      this.insertEvent(resourceEvent("resource_created", k, { generation: 1, ...changeData(w) }, actor), now);
      return;
    }
    const updated = this.stmt(UPDATE_RESOURCE).get({ ...params, bump: change.specChanged ? 1 : 0 }) as
      | { generation: number }
      | undefined;
    if (!updated) throw new ResourceConflictError(k, "missing", "update");
    this.insertEvent(
      resourceEvent("resource_updated", k, { generation: updated.generation, specChanged: change.specChanged, ...changeData(w) }, actor),
      now,
    );
  }

  private insertEvent(event: NewEvent, ts: string): void {
    this.stmt(INSERT_EVENT).run(eventParams(event, ts));
  }

  private sealSpec(w: ResourceWrite): JsonObject {
    return w.kind === SECRET_KIND ? sealSecretSpec(this.secretKeys().ring(), w.spec) : w.spec;
  }

  private toResource(row: ResourceRow): StoredResource {
    return fromRow(row, (kind, spec, r) =>
      kind === SECRET_KIND ? openSecretSpec(this.secretKeys().ring(), spec, describeKey(r)) : spec,
    );
  }

  private stmt(sql: string): Statement {
    return this.stmtFor(sql, () => sql);
  }

  private stmtFor(cacheKey: string, sql: () => string): Statement {
    let s = this.statements.get(cacheKey);
    if (!s) {
      s = this.db.prepare(sql());
      this.statements.set(cacheKey, s);
    }
    return s;
  }

  private assertWritable(what: string): void {
    if (this.readonly) throw new ReadonlyStoreError(this.path, what);
  }
}

/** Cluster-wide kinds are stored under project "" whatever project a caller names. */
function storageKey(key: ResourceKey): ResourceKey {
  return key.project !== "" && !isProjectScoped(key.kind) ? { ...key, project: "" } : key;
}

function projectParam(filter: ResourceFilter): string {
  if (filter.kind !== undefined && !isProjectScoped(filter.kind)) return "";
  return filter.project ?? DEFAULT_PROJECT;
}

/** What an event records about a write: never the spec, so never a secret value. */
function changeData(w: ResourceWrite): JsonObject {
  const origin: JsonObject = { appliedBy: w.origin.appliedBy };
  if (w.origin.file !== undefined) origin.file = w.origin.file;
  if (w.origin.line !== undefined) origin.line = w.origin.line;
  if (w.origin.commit !== undefined) origin.commit = w.origin.commit;
  return { hash: w.hash, origin };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
