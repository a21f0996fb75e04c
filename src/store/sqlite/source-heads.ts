/**
 * @module SQL for resource heads: the columns planning compares (hash,
 * generation, who applied it), without the spec, so a pass over a large
 * set reads no JSON it does not need.
 */
import type { ResourceHead } from "../store.js";
import type { ListShape } from "./resource-queries.js";

export interface HeadRow {
  project: string;
  kind: string;
  name: string;
  hash: string;
  generation: number;
  applied_by: string;
}

/** Same shapes and indexes as listResourcesSql. */
export function listHeadsSql(shape: ListShape): string {
  const where: string[] = [];
  if (shape.project) where.push("project = ?");
  if (shape.kind) where.push("kind = ?");
  if (shape.name) where.push("name = ?");
  const order = shape.kind && !shape.project ? "kind, project, name" : "project, kind, name";
  return `SELECT project, kind, name, hash, generation, applied_by FROM resources${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${order}`;
}

export function headFromRow(r: HeadRow): ResourceHead {
  return { project: r.project, kind: r.kind, name: r.name, hash: r.hash, generation: r.generation, appliedBy: r.applied_by };
}

export const RESOURCES_VERSION = "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'resources_version'";
