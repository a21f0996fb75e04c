/**
 * @module The SQLite SourceStore: sources, inventories and reconcile
 * requests on the resource store's own connection, so an inventory update
 * joins the transaction that commits the resources it records.
 */
import type { Database, Statement } from "better-sqlite3";
import type { JsonObject } from "../../resources/types.js";
import { ReadonlyStoreError } from "../errors.js";
import {
  emptySourceStatus,
  SourceExistsError,
  type InventoryChanges,
  type InventoryItem,
  type ReconcileRequest,
  type SourceRecord,
  type SourceSpec,
  type SourceStatus,
  type SourceStore,
} from "../source-store.js";
import {
  CLAIM_REQUESTS,
  COUNT_INVENTORY,
  DELETE_INVENTORY,
  DELETE_INVENTORY_ITEM,
  DELETE_SOURCE,
  FINISH_REQUEST,
  GET_INVENTORY,
  GET_REQUEST,
  GET_SOURCE,
  HAS_PENDING_REQUESTS,
  INSERT_REQUEST,
  INSERT_SOURCE,
  INVENTORY_CLAIMANT,
  inventoryFromRow,
  LIST_SOURCES,
  PRUNE_REQUESTS,
  RELEASE_RESOURCE,
  requestFromRow,
  SET_SOURCE_STATUS,
  sourceFromRow,
  UPSERT_INVENTORY,
  type InventoryRow,
  type RequestRow,
  type SourceRow,
} from "./source-queries.js";
import { immediate } from "./immediate.js";

/** Finished reconcile requests are kept this long, for a slow `reconcile` client. */
const REQUEST_RETENTION_MS = 60 * 60_000;

export interface SqliteSourceStoreOptions {
  db: Database;
  path: string;
  readonly: boolean;
}

export class SqliteSourceStore implements SourceStore {
  private readonly db: Database;
  private readonly path: string;
  private readonly readonly: boolean;
  private readonly statements = new Map<string, Statement>();

  constructor(opts: SqliteSourceStoreOptions) {
    this.db = opts.db;
    this.path = opts.path;
    this.readonly = opts.readonly;
  }

  listSources(): SourceRecord[] {
    return (this.stmt(LIST_SOURCES).all() as SourceRow[]).map(sourceFromRow);
  }

  getSource(name: string): SourceRecord | undefined {
    const row = this.stmt(GET_SOURCE).get(name) as SourceRow | undefined;
    return row && sourceFromRow(row);
  }

  addSource(spec: SourceSpec): SourceRecord {
    this.assertWritable("add a source");
    const now = new Date().toISOString();
    try {
      this.stmt(INSERT_SOURCE).run({
        name: spec.name,
        type: spec.type,
        dir: spec.dir ?? null,
        url: spec.url ?? null,
        ref: spec.ref ?? null,
        path: spec.path ?? null,
        interval_ms: spec.intervalMs,
        project: spec.project,
        prune: spec.prune ? 1 : 0,
        webhook_secret: spec.webhookSecret ?? null,
        status: JSON.stringify(emptySourceStatus()),
        now,
      });
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith("SQLITE_CONSTRAINT") === true) throw new SourceExistsError(spec.name);
      throw err;
    }
    return this.getSource(spec.name)!;
  }

  removeSource(name: string): boolean {
    this.assertWritable("remove a source");
    return immediate(this.db, (): boolean => {
        this.stmt(DELETE_INVENTORY).run(name);
        return this.stmt(DELETE_SOURCE).run(name).changes > 0;
      });
  }

  setSourceStatus(name: string, status: SourceStatus): void {
    this.assertWritable("set a source status");
    this.stmt(SET_SOURCE_STATUS).run(JSON.stringify(status), new Date().toISOString(), name);
  }

  getInventory(source: string): InventoryItem[] {
    return (this.stmt(GET_INVENTORY).all(source) as InventoryRow[]).map(inventoryFromRow);
  }

  inventoryCount(source: string): number {
    return this.stmt(COUNT_INVENTORY).pluck().get(source) as number;
  }

  updateInventory(source: string, changes: InventoryChanges): void {
    this.assertWritable("update an inventory");
    if (changes.upsert.length === 0 && changes.remove.length === 0) return;
    const upsert = this.stmt(UPSERT_INVENTORY);
    const remove = this.stmt(DELETE_INVENTORY_ITEM);
    immediate(this.db, () => {
      for (const e of changes.remove) remove.run(source, e.project, e.kind, e.name);
      for (const e of changes.upsert) upsert.run(source, e.project, e.kind, e.name, e.hash, e.adopted ? 1 : 0);
    });
  }

  inventoryClaimant(key: { project: string; kind: string; name: string }, except: string): string | undefined {
    return this.stmt(INVENTORY_CLAIMANT).pluck().get(key.project, key.kind, key.name, except) as string | undefined;
  }

  releaseResource(key: { project: string; kind: string; name: string }, from: string, to: string): boolean {
    this.assertWritable("release a resource");
    return this.stmt(RELEASE_RESOURCE).run(to, new Date().toISOString(), key.project, key.kind, key.name, from).changes > 0;
  }

  requestReconcile(source: string | null): number {
    this.assertWritable("request a reconcile");
    const now = new Date();
    return immediate(this.db, (): number => {
        this.stmt(PRUNE_REQUESTS).run(new Date(now.getTime() - REQUEST_RETENTION_MS).toISOString());
        return this.stmt(INSERT_REQUEST).pluck().get(source, now.toISOString()) as number;
      });
  }

  claimReconcileRequests(): ReconcileRequest[] {
    this.assertWritable("claim reconcile requests");
    // Polled often: a read first, so an idle controller never takes the write lock.
    if (this.stmt(HAS_PENDING_REQUESTS).get() === undefined) return [];
    const rows = immediate(this.db, () => this.stmt(CLAIM_REQUESTS).all(new Date().toISOString()) as RequestRow[]);
    return rows.map(requestFromRow).sort((a, b) => a.id - b.id);
  }

  finishReconcileRequest(id: number, result: JsonObject): void {
    this.assertWritable("finish a reconcile request");
    this.stmt(FINISH_REQUEST).run(new Date().toISOString(), JSON.stringify(result), id);
  }

  getReconcileRequest(id: number): ReconcileRequest | undefined {
    const row = this.stmt(GET_REQUEST).get(id) as RequestRow | undefined;
    return row && requestFromRow(row);
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private assertWritable(what: string): void {
    if (this.readonly) throw new ReadonlyStoreError(this.path, what);
  }
}
