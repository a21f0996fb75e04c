/**
 * @module The SQLite SourceStore: sources (Source resources, see
 * source-resources.ts), inventories and reconcile requests on the resource
 * store's own connection, so an inventory update joins the transaction that
 * commits the resources it records.
 */
import type { Database, Statement } from "better-sqlite3";
import type { JsonObject } from "../../resources/types.js";
import { ReadonlyStoreError } from "../errors.js";
import { SourceResources } from "../source-resources.js";
import {
  type InventoryChanges,
  type InventoryItem,
  type ReconcileRequest,
  type SourceRecord,
  type SourceSpec,
  type SourceStatus,
  type SourceStore,
  type Suspension,
} from "../source-store.js";
import type { Store } from "../store.js";
import {
  CLAIM_REQUESTS,
  COUNT_INVENTORY,
  DELETE_INVENTORY,
  DELETE_INVENTORY_ITEM,
  FINISH_REQUEST,
  GET_INVENTORY,
  GET_REQUEST,
  HAS_PENDING_REQUESTS,
  INSERT_REQUEST,
  INVENTORY_CLAIMANT,
  inventoryFromRow,
  PRUNE_REQUESTS,
  RELEASE_RESOURCE,
  requestFromRow,
  UPSERT_INVENTORY,
  type InventoryRow,
  type RequestRow,
} from "./source-queries.js";
import { immediate } from "./immediate.js";

/** Finished reconcile requests are kept this long, for a slow `reconcile` client. */
const REQUEST_RETENTION_MS = 60 * 60_000;

export interface SqliteSourceStoreOptions {
  db: Database;
  path: string;
  readonly: boolean;
  /** The resource store on the same connection: sources are Source resources. */
  resources: Store;
}

export class SqliteSourceStore implements SourceStore {
  private readonly db: Database;
  private readonly path: string;
  private readonly readonly: boolean;
  private readonly sources: SourceResources;
  private readonly statements = new Map<string, Statement>();

  constructor(opts: SqliteSourceStoreOptions) {
    this.db = opts.db;
    this.path = opts.path;
    this.readonly = opts.readonly;
    this.sources = new SourceResources(opts.resources, (what) => this.assertWritable(what));
  }

  listSources(): SourceRecord[] {
    return this.sources.list();
  }

  getSource(name: string): SourceRecord | undefined {
    return this.sources.get(name);
  }

  addSource(spec: SourceSpec, actor = "cli"): SourceRecord {
    return this.sources.add(spec, actor);
  }

  removeSource(name: string, actor = "cli"): boolean {
    return this.sources.remove(name, actor);
  }

  setSourceStatus(name: string, status: SourceStatus): void {
    this.sources.setStatus(name, status);
  }

  setSuspension(name: string, suspension: Suspension | null): boolean {
    return this.sources.setSuspension(name, suspension);
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
