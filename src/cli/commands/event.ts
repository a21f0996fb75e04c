/**
 * @module `orchestrator event list [--task ID] [--type T] [--limit N] [-o table|json]`:
 * the store's event history, newest last. Events outlive the tasks they are
 * about, so a deleted task's events are found by its full id.
 */
import { EVENT_TYPES, isKnownEventType } from "../../store/event-types.js";
import type { EventFilter, Store } from "../../store/store.js";
import { openTaskStore } from "../../store/task-store.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { writeErr, writeOut } from "../output/io.js";
import { renderTable } from "../output/table.js";
import { resolveTaskRef, stripTaskPrefix } from "./task-select.js";

export interface EventListOptions {
  task?: string;
  type?: string;
  limit?: string;
  output?: "table" | "json";
}

export const DEFAULT_EVENT_LIMIT = 50;

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_EVENT_LIMIT;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--limit must be a positive whole number, got '${value}'`);
  return n;
}

const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim();

/**
 * `--type` as a known event type; a type this version does not list is
 * still accepted when the store holds events of it (recorded by a newer
 * version). Anything else is a usage error listing the types.
 */
function checkType(store: Store, value: string): string {
  const type = value.trim().toLowerCase();
  if (isKnownEventType(type) || store.listEvents({ type, limit: 1 }).length > 0) return type;
  throw new UsageError(`unknown event type '${value}'; use one of: ${EVENT_TYPES.join(", ")}`);
}

/**
 * The task id `--task` means: a task by id, unique id prefix or name, else
 * the full id of a deleted task whose events stay. Anything else is an error
 * naming the reference, as every task command makes it.
 */
function taskIdOf(store: Store, ref: string): string {
  const tasks = openTaskStore(store);
  const bare = stripTaskPrefix(ref);
  if (tasks.matchTasks(bare).length > 0) return resolveTaskRef(tasks, bare).id;
  if (store.listEvents({ taskId: bare, limit: 1 }).length > 0) return bare;
  throw new CliError(`no task matches "${ref}" by id, id prefix or name, and no events name a task with that id (a deleted task's events are found by its full id); list tasks with \`orchestrator task list\``);
}

export async function eventListCommand(opts: EventListOptions): Promise<void> {
  const limit = parseLimit(opts.limit);
  await withStore(async ({ store }) => {
    const filter: EventFilter = { limit };
    if (opts.type !== undefined) filter.type = checkType(store, opts.type);
    if (opts.task !== undefined) filter.taskId = taskIdOf(store, opts.task);
    const events = store.listEvents(filter);
    if (opts.output === "json") {
      writeOut(JSON.stringify(events, null, 2) + "\n");
      return;
    }
    if (events.length === 0) {
      const about = filter.taskId === undefined ? "" : ` for task ${filter.taskId}`;
      writeErr(`no events found${about}${filter.type !== undefined ? ` of type ${filter.type}` : ""}\n`);
      return;
    }
    writeOut(
      renderTable(
        ["ID", "TIME", "TYPE", "TASK", "MESSAGE"],
        events.map((e) => [String(e.id), e.ts, e.type, e.taskId ?? "", oneLine(e.message)]),
      ),
    );
  });
}
