/**
 * @module SQL for resources, written once and prepared once per store. List
 * queries are chosen by which filter fields are set, so each is one indexed query.
 */
import { RESOURCE_COLUMNS } from "./resource-rows.js";

export const INSERT_RESOURCE = `
  INSERT INTO resources (project, kind, name, api_version, spec, labels, annotations, description,
                         generation, hash, applied_by, origin_file, origin_line, origin_commit, created_at, updated_at)
  VALUES (@project, @kind, @name, @api_version, @spec, @labels, @annotations, @description,
          1, @hash, @applied_by, @origin_file, @origin_line, @origin_commit, @now, @now)`;

/** Status and created_at survive an update; generation moves only by @bump. */
export const UPDATE_RESOURCE = `
  UPDATE resources SET api_version = @api_version, spec = @spec, labels = @labels, annotations = @annotations,
    description = @description, generation = generation + @bump, hash = @hash, applied_by = @applied_by,
    origin_file = @origin_file, origin_line = @origin_line, origin_commit = @origin_commit, updated_at = @now
  WHERE project = @project AND kind = @kind AND name = @name
  RETURNING generation`;

export const DELETE_RESOURCE = `
  DELETE FROM resources WHERE project = ? AND kind = ? AND name = ? RETURNING generation`;

export const DELETE_PROJECT_RESOURCES = `
  DELETE FROM resources WHERE project = ? RETURNING kind, name, generation`;

export const SET_STATUS = `
  UPDATE resources SET status = ? WHERE project = ? AND kind = ? AND name = ?`;

export const GET_RESOURCE = `
  SELECT ${RESOURCE_COLUMNS} FROM resources WHERE project = ? AND kind = ? AND name = ?`;

/** Declared projects, projects holding resources; the Project kind itself lives in project "". */
export const LIST_PROJECTS = `
  SELECT name FROM resources WHERE project = '' AND kind = 'Project'
  UNION
  SELECT DISTINCT project FROM resources WHERE project <> ''`;

export const COUNT_RESOURCES = "SELECT count(*) FROM resources";

/** Which filter fields take part in a list query, in the order their parameters bind. */
export interface ListShape {
  project: boolean;
  kind: boolean;
  name: boolean;
}

/**
 * `project = ?` uses resources_key (project, kind, name); a kind across all
 * projects uses resources_kind (kind, project, name). Both return rows in
 * index order, so ORDER BY costs no sort.
 */
export function listResourcesSql(shape: ListShape): string {
  const where: string[] = [];
  if (shape.project) where.push("project = ?");
  if (shape.kind) where.push("kind = ?");
  if (shape.name) where.push("name = ?");
  const order = shape.kind && !shape.project ? "kind, project, name" : "project, kind, name";
  return `SELECT ${RESOURCE_COLUMNS} FROM resources${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${order}`;
}
