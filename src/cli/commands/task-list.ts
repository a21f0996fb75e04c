/**
 * @module `orchestrator task list [-o table|wide|json|yaml|name] [--status S] [--project P]`.
 * Without `--project` it lists every project's tasks (task ids are unique
 * across projects, and every task command takes one), with a PROJECT column.
 */
import type { JsonObject } from "../../resources/types.js";
import type { Store } from "../../store/store.js";
import type { TaskRecord } from "../../store/task-store.js";
import { openTaskStore } from "../../store/task-store.js";
import { withStore } from "../context.js";
import { writeErr, writeOut } from "../output/io.js";
import { stepFilterInWorkflowOrder } from "../output/step-order.js";
import { renderTable } from "../output/table.js";
import { taskColumns, taskView } from "../output/task-view.js";
import { listTasksFiltered, parsePhase } from "./task-select.js";

export interface TaskListOptions {
  output?: "table" | "wide" | "json" | "yaml" | "name";
  status?: string;
  project?: string;
  parent?: string;
}

/** One task as `task list -o json` shows it: the step filter as it runs, in workflow order (as `task info` shows it). */
export function taskListView(store: Store, t: TaskRecord): JsonObject {
  return taskView({ ...t, spec: { ...t.spec, steps: stepFilterInWorkflowOrder(store, t) } });
}

export async function taskListCommand(opts: TaskListOptions): Promise<void> {
  // A bad --status is a usage error before the store is opened.
  if (opts.status !== undefined) parsePhase(opts.status);
  await withStore(async ({ store }) => {
    const list = listTasksFiltered(openTaskStore(store), opts);
    const output = opts.output ?? "table";
    if (output === "json" || output === "yaml") {
      const views = list.map((t) => taskListView(store, t));
      if (output === "json") writeOut(JSON.stringify(views, null, 2) + "\n");
      else writeOut((await import("../output/yaml.js")).toYaml(views));
      return;
    }
    if (list.length === 0) {
      writeErr(`no tasks found${opts.status ? ` with status ${opts.status.toLowerCase()}` : ""}${opts.project ? ` in project '${opts.project}'` : ""}${opts.parent ? ` spawned by ${opts.parent}` : ""}\n`);
      return;
    }
    if (output === "name") {
      // kubectl's `kind/name`, with the id: names may repeat, and every task command takes an id.
      writeOut(list.map((t) => `task/${t.id}\n`).join(""));
      return;
    }
    const cols = taskColumns(output === "wide", opts.project === undefined);
    writeOut(renderTable(cols.map((c) => c.header), list.map((t) => cols.map((c) => c.value(t)))));
  });
}
