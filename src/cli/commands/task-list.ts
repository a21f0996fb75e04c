/**
 * @module `orchestrator task list [-o ...] [--status S] [--project P] [-w]`.
 * Without `--project` it lists every project's tasks (task ids are unique
 * across projects, and every task command takes one), with a PROJECT column.
 * Each task is a `kind: TaskRecord` in `-o json|yaml` (the engine's record
 * of a run of work, beside the declarative Task resource `get tasks` shows);
 * `-o name` prints `task/ID`, which every task command takes.
 */
import type { JsonObject } from "../../resources/types.js";
import type { Store } from "../../store/store.js";
import type { TaskRecord } from "../../store/task-store.js";
import { openTaskStore } from "../../store/task-store.js";
import { withStore } from "../context.js";
import type { OutputFormat } from "../output/format.js";
import { printList, type Listing } from "../output/printer.js";
import { stepFilterInWorkflowOrder } from "../output/step-order.js";
import { taskColumns, taskView } from "../output/task-view.js";
import { watchGroups } from "../output/watch-list.js";
import { listTasksFiltered, parsePhase } from "./task-select.js";

export interface TaskListOptions {
  output?: OutputFormat;
  headers?: boolean;
  sortBy?: string;
  watch?: boolean;
  status?: string;
  project?: string;
  parent?: string;
}

/** One task as `task list -o json` shows it: the step filter as it runs, in workflow order (as `task info` shows it). */
export function taskListView(store: Store, t: TaskRecord): JsonObject {
  return taskView({ ...t, spec: { ...t.spec, steps: stepFilterInWorkflowOrder(store, t) } });
}

/** How task records are listed; `allProjects` puts PROJECT first. */
export function taskListing(store: Store, allProjects: boolean): Listing<TaskRecord> {
  const all = taskColumns(true, allProjects);
  const narrow = new Set(taskColumns(false, allProjects).map((c) => c.header));
  return {
    kind: "TaskRecord",
    nameKind: "task",
    view: (t) => taskListView(store, t),
    name: (t) => t.id,
    columns: all.map((c) => ({ ...c, wide: !narrow.has(c.header) })),
  };
}

export async function taskListCommand(opts: TaskListOptions): Promise<void> {
  // A bad --status is a usage error before the store is opened.
  if (opts.status !== undefined) parsePhase(opts.status);
  await withStore(async ({ store }) => {
    const tasks = openTaskStore(store);
    const listing = taskListing(store, opts.project === undefined);
    const empty = `no tasks found${opts.status ? ` with status ${opts.status.toLowerCase()}` : ""}${opts.project ? ` in project '${opts.project}'` : ""}${opts.parent ? ` spawned by ${opts.parent}` : ""}`;
    printList(listing, listTasksFiltered(tasks, opts), opts, { empty });
    if (opts.watch) await watchGroups(() => [{ listing, items: listTasksFiltered(tasks, opts) }], opts);
  });
}
