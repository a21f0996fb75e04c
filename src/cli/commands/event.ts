/**
 * @module `orchestrator event list [--task ID] [--type T] [--limit N] [-o table|json]`:
 * the store's event history, newest last. Events outlive the tasks they are
 * about, so a deleted task's events are found by its full id.
 */
import type { EventFilter } from "../../store/store.js";
import { openTaskStore } from "../../store/task-store.js";
import { withStore } from "../context.js";
import { UsageError } from "../errors.js";
import { writeErr, writeOut } from "../output/io.js";
import { renderTable } from "../output/table.js";
import { resolveTaskRef } from "./task-select.js";

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

export async function eventListCommand(opts: EventListOptions): Promise<void> {
  const limit = parseLimit(opts.limit);
  await withStore(async ({ store }) => {
    const filter: EventFilter = { limit };
    if (opts.type !== undefined) filter.type = opts.type;
    let unknownTask = false;
    if (opts.task !== undefined) {
      const tasks = openTaskStore(store);
      // A live task by id, prefix or name; otherwise the reference is taken as a (deleted) task's id.
      unknownTask = tasks.matchTasks(opts.task).length === 0;
      filter.taskId = unknownTask ? opts.task : resolveTaskRef(tasks, opts.task).id;
    }
    const events = store.listEvents(filter);
    if (opts.output === "json") {
      writeOut(JSON.stringify(events, null, 2) + "\n");
      return;
    }
    if (events.length === 0) {
      const about = opts.task === undefined ? "" : unknownTask ? ` for task '${opts.task}' (no task has that id, prefix or name; a deleted task's events need its full id)` : ` for task ${filter.taskId}`;
      writeErr(`no events found${about}${opts.type !== undefined ? ` of type ${opts.type}` : ""}\n`);
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
