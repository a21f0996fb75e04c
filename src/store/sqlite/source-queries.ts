/**
 * @module SQL for sources, inventories and reconcile requests, and the
 * mapping of their rows.
 */
import type { JsonObject } from "../../resources/types.js";
import { emptySourceStatus, type InventoryItem, type ReconcileRequest, type SourceRecord, type SourceStatus, type SourceType } from "../source-store.js";

const SOURCE_COLUMNS = "name, type, dir, url, ref, path, interval_ms, project, prune, webhook_secret, status, created_at, updated_at";

export const LIST_SOURCES = `SELECT ${SOURCE_COLUMNS} FROM sources ORDER BY name`;
export const GET_SOURCE = `SELECT ${SOURCE_COLUMNS} FROM sources WHERE name = ?`;
export const INSERT_SOURCE = `
  INSERT INTO sources (name, type, dir, url, ref, path, interval_ms, project, prune, webhook_secret, status, created_at, updated_at)
  VALUES (@name, @type, @dir, @url, @ref, @path, @interval_ms, @project, @prune, @webhook_secret, @status, @now, @now)`;
export const DELETE_SOURCE = "DELETE FROM sources WHERE name = ?";
export const SET_SOURCE_STATUS = "UPDATE sources SET status = ?, updated_at = ? WHERE name = ?";

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

export interface SourceRow {
  name: string;
  type: string;
  dir: string | null;
  url: string | null;
  ref: string | null;
  path: string | null;
  interval_ms: number;
  project: string;
  prune: number;
  webhook_secret: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}

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

export function sourceFromRow(row: SourceRow): SourceRecord {
  const out: SourceRecord = {
    name: row.name,
    type: row.type as SourceType,
    intervalMs: row.interval_ms,
    project: row.project,
    prune: row.prune === 1,
    status: { ...emptySourceStatus(), ...(JSON.parse(row.status) as Partial<SourceStatus>) },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.dir !== null) out.dir = row.dir;
  if (row.url !== null) out.url = row.url;
  if (row.ref !== null) out.ref = row.ref;
  if (row.path !== null) out.path = row.path;
  if (row.webhook_secret !== null) out.webhookSecret = row.webhook_secret;
  return out;
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
