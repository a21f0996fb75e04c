/**
 * @module SQL for the events table and the mapping of its rows.
 */
import type { JsonObject } from "../../resources/types.js";
import type { EventFilter, NewEvent, StoredEvent } from "../store.js";
import { displayText } from "../display-text.js";

export const INSERT_EVENT = `
  INSERT INTO events (ts, type, project, kind, name, message, actor, task_id, run_id, data)
  VALUES (@ts, @type, @project, @kind, @name, @message, @actor, @task_id, @run_id, @data)`;

export const COUNT_EVENTS = "SELECT count(*) FROM events";

export interface EventParams {
  ts: string;
  type: string;
  project: string | null;
  kind: string | null;
  name: string | null;
  message: string;
  actor: string | null;
  task_id: string | null;
  run_id: string | null;
  data: string | null;
}

interface EventRow extends EventParams {
  id: number;
}

export function eventParams(e: NewEvent, ts: string): EventParams {
  return {
    ts,
    type: e.type,
    project: e.project ?? null,
    kind: e.kind ?? null,
    name: e.name ?? null,
    message: displayText(e.message),
    actor: e.actor ?? null,
    task_id: e.taskId ?? null,
    run_id: e.runId ?? null,
    data: e.data == null ? null : JSON.stringify(e.data),
  };
}

export function eventFromRow(row: EventRow): StoredEvent {
  return {
    id: row.id,
    ts: row.ts,
    type: row.type,
    project: row.project,
    kind: row.kind,
    name: row.name,
    message: row.message,
    actor: row.actor,
    taskId: row.task_id,
    runId: row.run_id,
    data: row.data === null ? null : (JSON.parse(row.data) as JsonObject),
  };
}

type FilterField = "project" | "kind" | "name" | "type" | "taskId";
const COLUMN: Record<FilterField, string> = {
  project: "project",
  kind: "kind",
  name: "name",
  type: "type",
  taskId: "task_id",
};
const FIELDS = Object.keys(COLUMN) as FilterField[];

/** A cache key for the statement that serves this filter's shape. */
export function eventShape(f: EventFilter): string {
  return (
    FIELDS.map((k) => (f[k] === undefined ? "-" : "x")).join("") +
    (f.sinceId === undefined ? "" : "S") +
    (f.limit === undefined ? "" : "L")
  );
}

export function eventParamsOf(f: EventFilter): (string | number)[] {
  const out: (string | number)[] = [];
  for (const k of FIELDS) {
    const v = f[k];
    if (v !== undefined) out.push(v);
  }
  if (f.sinceId !== undefined) out.push(f.sinceId);
  if (f.limit !== undefined) out.push(f.limit);
  return out;
}

/**
 * Oldest first. With a limit, the newest `limit` events, still oldest first
 * (what `events` and `describe` show); with `sinceId` too, the oldest `limit`
 * after it, so a follower paging forward never skips one.
 */
export function listEventsSql(f: EventFilter): string {
  const where = FIELDS.filter((k) => f[k] !== undefined).map((k) => `${COLUMN[k]} = ?`);
  if (f.sinceId !== undefined) where.push("id > ?");
  const base = `SELECT id, ts, type, project, kind, name, message, actor, task_id, run_id, data FROM events${
    where.length ? ` WHERE ${where.join(" AND ")}` : ""
  }`;
  if (f.limit === undefined) return `${base} ORDER BY id`;
  if (f.sinceId !== undefined) return `${base} ORDER BY id LIMIT ?`;
  return `SELECT * FROM (${base} ORDER BY id DESC LIMIT ?) ORDER BY id`;
}

/** The event recorded for one resource change. */
export function resourceEvent(
  type: "resource_created" | "resource_updated" | "resource_deleted" | "resource_pruned",
  key: { project: string; kind: string; name: string },
  data: JsonObject,
  actor: string,
): NewEvent {
  const verb = { resource_created: "created", resource_updated: "configured", resource_deleted: "deleted", resource_pruned: "pruned" }[type];
  return {
    type,
    project: key.project,
    kind: key.kind,
    name: key.name,
    message: `${key.kind.toLowerCase()}/${key.name} ${verb}`,
    actor,
    data,
  };
}
