/**
 * @module The PostgreSQL SourceStore: sources, inventories and reconcile
 * requests, in the resource store's transaction when one is open (an
 * inventory update commits with the resources it records).
 */
import type { JsonObject } from "../../resources/types.js";
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
import { inventoryFromRow, requestFromRow, sourceFromRow, type InventoryRow, type RequestRow, type SourceRow } from "../sqlite/source-queries.js";
import type { PgStore } from "./pg-store.js";

const SOURCE_COLUMNS = "name, type, dir, url, ref, path, interval_ms, project, prune, webhook_secret, status, created_at, updated_at";
const REQUEST_COLUMNS = "id, source, requested_at, started_at, finished_at, result";
/** Finished reconcile requests are kept this long, for a slow `reconcile` client. */
const REQUEST_RETENTION_MS = 60 * 60_000;

export class PgSourceStore implements SourceStore {
  constructor(private readonly store: PgStore) {}

  private get db() {
    return this.store.db;
  }

  listSources(): SourceRecord[] {
    return this.db.all<SourceRow>(`SELECT ${SOURCE_COLUMNS} FROM sources ORDER BY name`).map(sourceFromRow);
  }

  getSource(name: string): SourceRecord | undefined {
    const r = this.db.get<SourceRow>(`SELECT ${SOURCE_COLUMNS} FROM sources WHERE name = $1`, [name]);
    return r && sourceFromRow(r);
  }

  addSource(spec: SourceSpec): SourceRecord {
    this.store.assertWritable("add a source");
    const now = new Date().toISOString();
    const added = this.store.writeOne({
      sql: `INSERT INTO sources (${SOURCE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) ON CONFLICT (name) DO NOTHING`,
      params: [spec.name, spec.type, spec.dir ?? null, spec.url ?? null, spec.ref ?? null, spec.path ?? null, spec.intervalMs, spec.project, spec.prune ? 1 : 0, spec.webhookSecret ?? null, JSON.stringify(emptySourceStatus()), now],
    });
    if (added === 0) throw new SourceExistsError(spec.name);
    return this.getSource(spec.name)!;
  }

  removeSource(name: string): boolean {
    this.store.assertWritable("remove a source");
    return this.store.write(() => {
      const [, removed] = this.db.run([
        { sql: "DELETE FROM source_inventory WHERE source = $1", params: [name] },
        { sql: "DELETE FROM sources WHERE name = $1", params: [name] },
      ]);
      return removed!.rowCount > 0;
    });
  }

  setSourceStatus(name: string, status: SourceStatus): void {
    this.store.assertWritable("set a source status");
    this.store.writeOne({ sql: "UPDATE sources SET status = $1, updated_at = $2 WHERE name = $3", params: [JSON.stringify(status), new Date().toISOString(), name] });
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
