/**
 * @module `orchestrator task list [-o table|wide|json|yaml] [--status S] [--project P]`.
 */
import { openTaskStore } from "../../store/task-store.js";
import { withStore } from "../context.js";
import { writeErr, writeOut } from "../output/io.js";
import { renderTable } from "../output/table.js";
import { taskColumns, taskView } from "../output/task-view.js";
import { listTasksFiltered, parsePhase } from "./task-select.js";

export interface TaskListOptions {
  output?: "table" | "wide" | "json" | "yaml";
  status?: string;
  project?: string;
}

export async function taskListCommand(opts: TaskListOptions): Promise<void> {
  // A bad --status is a usage error before the store is opened.
  if (opts.status !== undefined) parsePhase(opts.status);
  await withStore(async ({ store }) => {
    const list = listTasksFiltered(openTaskStore(store), opts);
    const output = opts.output ?? "table";
    if (output === "json") {
      writeOut(JSON.stringify(list.map(taskView), null, 2) + "\n");
      return;
    }
    if (output === "yaml") {
      const { toYaml } = await import("../output/yaml.js");
      writeOut(toYaml(list.map(taskView)));
      return;
    }
    if (list.length === 0) {
      writeErr(`no tasks found${opts.status ? ` with status ${opts.status.toLowerCase()}` : ""}${opts.project ? ` in project '${opts.project}'` : ""}\n`);
      return;
    }
    const cols = taskColumns(output === "wide");
    writeOut(renderTable(cols.map((c) => c.header), list.map((t) => cols.map((c) => c.value(t)))));
  });
}
