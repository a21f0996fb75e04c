/**
 * @module The PostgreSQL SourceStore: sources (Source resources, kept as the
 * SQLite store keeps them: source-resources.ts), inventories and reconcile
 * requests, in the resource store's transaction when one is open (an
 * inventory update commits with the resources it records; a Source's
 * deletion deletes its inventory, by the trigger of migration 7).
 */
import type { JsonObject } from "../../resources/types.js";
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
import { inventoryFromRow, requestFromRow, type InventoryRow, type RequestRow } from "../sqlite/source-queries.js";
import type { PgStore } from "./pg-store.js";

const REQUEST_COLUMNS = "id, source, requested_at, started_at, finished_at, result";
/** Finished reconcile requests are kept this long, for a slow `reconcile` client. */
const REQUEST_RETENTION_MS = 60 * 60_000;

export class PgSourceStore implements SourceStore {
  private readonly sources: SourceResources;

  constructor(private readonly store: PgStore) {
    this.sources = new SourceResources(store, (what) => store.assertWritable(what));
  }

  private get db() {
    return this.store.db;
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
    return this.db
      .all<InventoryRow>("SELECT project, kind, name, hash, adopted FROM source_inventory WHERE source = $1 ORDER BY project, kind, name", [source])
      .map(inventoryFromRow);
  }

  inventoryCount(source: string): number {
    return this.db.value<number>("SELECT count(*) FROM source_inventory WHERE source = $1", [source]) ?? 0;
  }

  updateInventory(source: string, changes: InventoryChanges): void {
    this.store.assertWritable("update an inventory");
    if (changes.upsert.length === 0 && changes.remove.length === 0) return;
    this.store.write(() => {
      // One statement per list, the rows as arrays: a pass over thousands of resources is a few round trips.
      if (changes.remove.length > 0) {
        this.db.run([
          {
            sql: `DELETE FROM source_inventory i USING unnest($2::text[], $3::text[], $4::text[]) AS r(project, kind, name)
                  WHERE i.source = $1 AND i.project = r.project AND i.kind = r.kind AND i.name = r.name`,
            params: [source, ...columns(changes.remove, ["project", "kind", "name"])],
          },
        ]);
      }
      if (changes.upsert.length > 0) {
        const last = new Map(changes.upsert.map((e) => [`${e.project}\0${e.kind}\0${e.name}`, e]));
        const rows = [...last.values()].map((e) => ({ ...e, adopted: e.adopted ? "1" : "0" }));
        this.db.run([
          {
            sql: `INSERT INTO source_inventory (source, project, kind, name, hash, adopted)
                  SELECT $1, r.project, r.kind, r.name, r.hash, r.adopted::integer
                  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS r(project, kind, name, hash, adopted)
                  ON CONFLICT (source, project, kind, name) DO UPDATE SET hash = excluded.hash, adopted = excluded.adopted`,
            params: [source, ...columns(rows, ["project", "kind", "name", "hash", "adopted"])],
          },
        ]);
      }
    });
  }

  inventoryClaimant(key: { project: string; kind: string; name: string }, except: string): string | undefined {
    return this.db.value<string>(
      "SELECT source FROM source_inventory WHERE project = $1 AND kind = $2 AND name = $3 AND source <> $4 ORDER BY source LIMIT 1",
      [key.project, key.kind, key.name, except],
    );
  }

  releaseResource(key: { project: string; kind: string; name: string }, from: string, to: string): boolean {
    this.store.assertWritable("release a resource");
    return (
      this.store.writeOne({
        sql: `UPDATE resources SET applied_by = $1, origin_file = NULL, origin_line = NULL, origin_commit = NULL, updated_at = $2
              WHERE project = $3 AND kind = $4 AND name = $5 AND applied_by = $6`,
        params: [to, new Date().toISOString(), key.project, key.kind, key.name, from],
      }) > 0
    );
  }

  requestReconcile(source: string | null): number {
    this.store.assertWritable("request a reconcile");
    const now = new Date();
    return this.store.write(() => {
      const [, inserted] = this.db.run([
        { sql: "DELETE FROM reconcile_requests WHERE finished_at IS NOT NULL AND finished_at < $1", params: [new Date(now.getTime() - REQUEST_RETENTION_MS).toISOString()] },
        { sql: "INSERT INTO reconcile_requests (source, requested_at) VALUES ($1, $2) RETURNING id", params: [source, now.toISOString()] },
      ]);
      return (inserted!.rows[0] as { id: number }).id;
    });
  }

  claimReconcileRequests(): ReconcileRequest[] {
    this.store.assertWritable("claim reconcile requests");
    if (this.db.value("SELECT 1 FROM reconcile_requests WHERE started_at IS NULL LIMIT 1") === undefined) return [];
    // SKIP LOCKED: two controllers claiming at once each get a request once.
    const rows = this.store.write(() =>
      this.db.all<RequestRow>(
        `UPDATE reconcile_requests SET started_at = $1
         WHERE id IN (SELECT id FROM reconcile_requests WHERE started_at IS NULL FOR UPDATE SKIP LOCKED)
         RETURNING ${REQUEST_COLUMNS}`,
        [new Date().toISOString()],
      ),
    );
    return rows.map(requestFromRow).sort((a, b) => a.id - b.id);
  }

  finishReconcileRequest(id: number, result: JsonObject): void {
    this.store.assertWritable("finish a reconcile request");
    this.store.writeOne({ sql: "UPDATE reconcile_requests SET finished_at = $1, result = $2 WHERE id = $3", params: [new Date().toISOString(), JSON.stringify(result), id] });
  }

  getReconcileRequest(id: number): ReconcileRequest | undefined {
    const r = this.db.get<RequestRow>(`SELECT ${REQUEST_COLUMNS} FROM reconcile_requests WHERE id = $1`, [id]);
    return r && requestFromRow(r);
  }
}

/** Rows as one array per field, for unnest(). */
function columns<T extends object>(rows: readonly T[], fields: readonly (keyof T)[]): string[][] {
  return fields.map((f) => rows.map((r) => String(r[f])));
}
