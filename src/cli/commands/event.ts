/**
 * @module `orchestrator event list [--task ID] [--type T] [--for KIND/NAME]
 * [--limit N] [-w]`: the store's event history, newest last, through the
 * output contract (each event a `kind: Event`, the resource it is about as
 * `involvedObject`, as kubectl shows events). Events outlive the tasks they
 * are about, so a deleted task's events are found by its full id. `-w`
 * keeps printing new events as they are recorded.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { JsonObject } from "../../resources/types.js";
import { EVENT_TYPES, isKnownEventType } from "../../store/event-types.js";
import type { EventFilter, Store, StoredEvent } from "../../store/store.js";
import { openTaskStore } from "../../store/task-store.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { parseRefs, projectOf, storeRegistry } from "../kind-ref.js";
import type { OutputFormat } from "../output/format.js";
import { printList, type Listing } from "../output/printer.js";
import { printWatched, untilInterrupted, WATCH_POLL_MS } from "../output/watch-list.js";
import { resolveTaskRef, stripTaskPrefix } from "./task-select.js";

export interface EventListOptions {
  task?: string;
  type?: string;
  for?: string;
  project?: string;
  limit?: string;
  output?: OutputFormat;
  headers?: boolean;
  sortBy?: string;
  watch?: boolean;
}

export const DEFAULT_EVENT_LIMIT = 50;

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_EVENT_LIMIT;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--limit must be a positive whole number, got '${value}'`);
  return n;
}

const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim();

/** An event as `event list -o json|yaml` shows it. */
export function eventView(e: StoredEvent): JsonObject {
  return {
    id: e.id,
    ts: e.ts,
    type: e.type,
    involvedObject: e.kind !== null || e.name !== null ? { kind: e.kind, project: e.project, name: e.name } : null,
    message: e.message,
    actor: e.actor,
    taskId: e.taskId,
    runId: e.runId,
    data: e.data,
  };
}

export const eventListing: Listing<StoredEvent> = {
  kind: "Event",
  view: eventView,
  name: (e) => String(e.id),
  columns: [
    { header: "ID", value: (e) => String(e.id) },
    { header: "TIME", value: (e) => e.ts },
    { header: "TYPE", value: (e) => e.type },
    { header: "OBJECT", value: (e) => (e.kind && e.name ? `${e.kind.toLowerCase()}/${e.name}` : ""), wide: true },
    { header: "ACTOR", value: (e) => e.actor ?? "", wide: true },
    { header: "TASK", value: (e) => e.taskId ?? "" },
    { header: "MESSAGE", value: (e) => oneLine(e.message) },
  ],
};

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

/** `--for KIND/NAME` (kubectl's spelling): the events about one resource, in `--project` (default) for project-scoped kinds. */
function forResource(store: Store, ref: string, project: string | undefined): Pick<EventFilter, "project" | "kind" | "name"> {
  if (!ref.includes("/")) throw new UsageError(`--for takes KIND/NAME (e.g. --for agent/coder), got '${ref}'`);
  const [target] = parseRefs(storeRegistry(store), [ref]);
  return { project: projectOf(target!.kind, project), kind: target!.kind.kind, name: target!.name };
}

export async function eventListCommand(opts: EventListOptions): Promise<void> {
  const limit = parseLimit(opts.limit);
  await withStore(async ({ store }) => {
    const filter: EventFilter = {};
    if (opts.type !== undefined) filter.type = checkType(store, opts.type);
    if (opts.task !== undefined) filter.taskId = taskIdOf(store, opts.task);
    if (opts.for !== undefined) Object.assign(filter, forResource(store, opts.for, opts.project));
    else if (opts.project !== undefined) filter.project = opts.project;
    const events = store.listEvents({ ...filter, limit });
    const about = [filter.taskId === undefined ? "" : ` for task ${filter.taskId}`, opts.for ? ` for ${opts.for}` : "", filter.type !== undefined ? ` of type ${filter.type}` : ""].join("");
    printList(eventListing, events, opts, { empty: `no events found${about}` });
    if (!opts.watch) return;

    // Follow: whatever is recorded after the last one shown (or after the newest, when none matched).
    let last = events.at(-1)?.id ?? store.listEvents({ limit: 1 }).at(-1)?.id ?? 0;
    const { signal, dispose } = untilInterrupted();
    try {
      while (!signal.aborted) {
        try {
          await sleep(WATCH_POLL_MS, undefined, { signal });
        } catch {
          break;
        }
        const fresh = store.listEvents({ ...filter, sinceId: last, limit: 1000 });
        if (fresh.length === 0) continue;
        last = fresh.at(-1)!.id;
        printWatched([{ listing: eventListing, items: fresh }], opts);
      }
    } finally {
      dispose();
    }
  });
}
