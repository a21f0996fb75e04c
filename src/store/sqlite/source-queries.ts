/**
 * @module SQL for inventories and reconcile requests, and the mapping of
 * their rows (sources themselves are Source resources).
 */
import type { JsonObject } from "../../resources/types.js";
import type { InventoryItem, ReconcileRequest } from "../source-store.js";

export const GET_INVENTORY = "SELECT project, kind, name, hash, adopted FROM source_inventory WHERE source = ?";
export const COUNT_INVENTORY = "SELECT count(*) FROM source_inventory WHERE source = ?";
export const UPSERT_INVENTORY = `
  INSERT INTO source_inventory (source, project, kind, name, hash, adopted) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (source, project, kind, name) DO UPDATE SET hash = excluded.hash, adopted = excluded.adopted`;
export const INVENTORY_CLAIMANT = `
  SELECT source FROM source_inventory WHERE project = ? AND kind = ? AND name = ? AND source <> ? ORDER BY source LIMIT 1`;
export const RELEASE_RESOURCE = `
  UPDATE resources SET applied_by = ?, origin_file = NULL, origin_line = NULL, origin_commit = NULL, updated_at = ?
  WHERE project = ? AND kind = ? AND name = ? AND applied_by = ?`;
export const DELETE_INVENTORY_ITEM = "DELETE FROM source_inventory WHERE source = ? AND project = ? AND kind = ? AND name = ?";
export const DELETE_INVENTORY = "DELETE FROM source_inventory WHERE source = ?";

export const INSERT_REQUEST = "INSERT INTO reconcile_requests (source, requested_at) VALUES (?, ?) RETURNING id";
export const CLAIM_REQUESTS = `
  UPDATE reconcile_requests SET started_at = ? WHERE started_at IS NULL
  RETURNING id, source, requested_at, started_at, finished_at, result`;
export const HAS_PENDING_REQUESTS = "SELECT 1 FROM reconcile_requests WHERE started_at IS NULL LIMIT 1";
export const FINISH_REQUEST = "UPDATE reconcile_requests SET finished_at = ?, result = ? WHERE id = ?";
export const GET_REQUEST = "SELECT id, source, requested_at, started_at, finished_at, result FROM reconcile_requests WHERE id = ?";
/** Finished requests older than this are deleted when a new one is made. */
export const PRUNE_REQUESTS = "DELETE FROM reconcile_requests WHERE finished_at IS NOT NULL AND finished_at < ?";

export interface InventoryRow {
  project: string;
  kind: string;
  name: string;
  hash: string;
  adopted: number;
}

export function inventoryFromRow(r: InventoryRow): InventoryItem {
  return { project: r.project, kind: r.kind, name: r.name, hash: r.hash, adopted: r.adopted === 1 };
}

export interface RequestRow {
  id: number;
  source: string | null;
  requested_at: string;
  started_at: string | null;
  finished_at: string | null;
  result: string | null;
}

export function requestFromRow(row: RequestRow): ReconcileRequest {
  return {
    id: row.id,
    source: row.source,
    requestedAt: row.requested_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    result: row.result === null ? null : (JSON.parse(row.result) as JsonObject),
  };
}
