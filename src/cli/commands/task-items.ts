/**
 * @module `orchestrator task items ID [-o ...] [-w]`: a task's items with
 * their status, failures and the latest step each ran.
 */
import type { JsonObject } from "../../resources/types.js";
import type { ItemRecord, RunRecord } from "../../store/task-store.js";
import { openTaskStore } from "../../store/task-store.js";
import { withStore } from "../context.js";
import type { OutputFormat } from "../output/format.js";
import { printList, type Listing } from "../output/printer.js";
import { watchGroups } from "../output/watch-list.js";
import { itemView } from "../output/task-view.js";
import { resolveTaskRef } from "./task-select.js";

export interface TaskItemsOptions {
  output?: OutputFormat;
  headers?: boolean;
  sortBy?: string;
  watch?: boolean;
  project?: string;
}

/** The latest run of each item, by item id. */
function latestRunPerItem(runs: readonly RunRecord[]): Map<string, RunRecord> {
  const latest = new Map<string, RunRecord>();
  for (const r of runs) if (r.itemId) latest.set(r.itemId, r);
  return latest;
}

/** One item as `task items -o json|yaml` shows it: the item, and its latest run. */
export function taskItemView(item: ItemRecord, last: RunRecord | undefined): JsonObject {
  return {
    ...itemView(item),
    lastRun: last ? { id: last.id, step: last.stepId, cycle: last.cycle, status: last.status, exitCode: last.exitCode, reason: last.reason } : null,
  };
}

/** How a task's items are listed: `kind: TaskItem`, `-o name` as `item/ID` (what `task retry` takes). */
export function itemListing(latest: ReadonlyMap<string, RunRecord>, generated = false): Listing<ItemRecord> {
  return {
    kind: "TaskItem",
    nameKind: "item",
    view: (i) => taskItemView(i, latest.get(i.id)),
    name: (i) => i.id,
    columns: [
      { header: "ID", value: (i) => i.id },
      { header: "PATH", value: (i) => i.path },
      // Generated items (generate_items) add their label and where each item came from.
      ...(generated ? [{ header: "LABEL", value: (i: ItemRecord) => i.label ?? "" }, { header: "SOURCE", value: (i: ItemRecord) => i.source ?? "static" }] : []),
      { header: "STATUS", value: (i) => i.status },
      { header: "FAILURES", value: (i) => String(i.failures) },
      { header: "LAST STEP", value: (i) => lastStep(latest.get(i.id)) },
    ],
  };
}

const lastStep = (last: RunRecord | undefined): string => (last ? `${last.stepId} ${last.status} (cycle ${last.cycle})` : "");

export async function taskItemsCommand(ref: string, opts: TaskItemsOptions): Promise<void> {
  await withStore(async ({ store }) => {
    const tasks = openTaskStore(store);
    const task = resolveTaskRef(tasks, ref, opts.project === undefined ? {} : { project: opts.project });
    const read = (): { items: ItemRecord[]; listing: Listing<ItemRecord> } => {
      const items = tasks.listItems(task.id);
      return { items, listing: itemListing(latestRunPerItem(tasks.listRuns(task.id)), items.some((i) => i.source === "generated")) };
    };
    const { items, listing } = read();
    printList(listing, items, opts, { empty: `task ${task.id} has no items` });
    if (opts.watch) {
      await watchGroups(() => {
        const now = read();
        return [{ listing: now.listing, items: now.items }];
      }, opts);
    }
  });
}
