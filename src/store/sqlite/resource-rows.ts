/**
 * @module How a resource maps to a `resources` row and back. Specs arrive
 * here already sealed (SecretStore); this module knows only columns.
 */
import type { JsonObject } from "../../resources/types.js";
import type { ResourceWrite, StoredResource } from "../store.js";

/** Columns every read selects, in one place so statements and mapping agree. */
export const RESOURCE_COLUMNS =
  "project, kind, name, api_version, spec, labels, annotations, description, status, generation, hash, " +
  "applied_by, origin_file, origin_line, origin_commit, created_at, updated_at";

export interface ResourceRow {
  project: string;
  kind: string;
  name: string;
  api_version: string;
  spec: string;
  labels: string | null;
  annotations: string | null;
  description: string | null;
  status: string | null;
  generation: number;
  hash: string;
  applied_by: string;
  origin_file: string | null;
  origin_line: number | null;
  origin_commit: string | null;
  created_at: string;
  updated_at: string;
}

/** Named parameters for insert and update; `project` is the storage project. */
export interface ResourceParams {
  project: string;
  kind: string;
  name: string;
  api_version: string;
  spec: string;
  labels: string | null;
  annotations: string | null;
  description: string | null;
  hash: string;
  applied_by: string;
  origin_file: string | null;
  origin_line: number | null;
  origin_commit: string | null;
  now: string;
}

export function toParams(w: ResourceWrite, project: string, spec: JsonObject, now: string): ResourceParams {
  const m = w.metadata;
  return {
    project,
    kind: w.kind,
    name: m.name,
    api_version: w.apiVersion,
    spec: JSON.stringify(spec),
    labels: isEmpty(m.labels) ? null : JSON.stringify(m.labels),
    annotations: isEmpty(m.annotations) ? null : JSON.stringify(m.annotations),
    description: m.description ?? null,
    hash: w.hash,
    applied_by: w.origin.appliedBy,
    origin_file: w.origin.file ?? null,
    origin_line: w.origin.line ?? null,
    origin_commit: w.origin.commit ?? null,
    now,
  };
}

/** `openSpec` turns the stored spec back into the plaintext one (decrypts secrets). */
export function fromRow(row: ResourceRow, openSpec: (kind: string, spec: JsonObject, row: ResourceRow) => JsonObject): StoredResource {
  const metadata: StoredResource["metadata"] = { name: row.name, project: row.project };
  if (row.description !== null) metadata.description = row.description;
  if (row.labels !== null) metadata.labels = JSON.parse(row.labels) as Record<string, string>;
  if (row.annotations !== null) metadata.annotations = JSON.parse(row.annotations) as Record<string, string>;
  const origin: StoredResource["origin"] = { appliedBy: row.applied_by };
  if (row.origin_file !== null) origin.file = row.origin_file;
  if (row.origin_line !== null) origin.line = row.origin_line;
  if (row.origin_commit !== null) origin.commit = row.origin_commit;
  const out: StoredResource = {
    apiVersion: row.api_version,
    kind: row.kind,
    metadata,
    spec: openSpec(row.kind, JSON.parse(row.spec) as JsonObject, row),
    generation: row.generation,
    hash: row.hash,
    origin,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.status !== null) out.status = JSON.parse(row.status) as JsonObject;
  return out;
}

function isEmpty(o: Record<string, string> | undefined): boolean {
  return o === undefined || Object.keys(o).length === 0;
}
