/**
 * @module `orchestrator task items ID [-o table|json|yaml]`: a task's items
 * with their status, failures and the latest step each ran.
 */
import type { JsonObject } from "../../resources/types.js";
import type { ItemRecord, RunRecord } from "../../store/task-store.js";
import { openTaskStore } from "../../store/task-store.js";
import { withStore } from "../context.js";
import { writeErr, writeOut } from "../output/io.js";
import { renderTable } from "../output/table.js";
import { itemView } from "../output/task-view.js";
import { resolveTaskRef } from "./task-select.js";

export interface TaskItemsOptions {
  output?: "table" | "json" | "yaml";
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

export async function taskItemsCommand(ref: string, opts: TaskItemsOptions): Promise<void> {
  await withStore(async ({ store }) => {
    const tasks = openTaskStore(store);
    const task = resolveTaskRef(tasks, ref, opts.project === undefined ? {} : { project: opts.project });
    const items = tasks.listItems(task.id);
    const latest = latestRunPerItem(tasks.listRuns(task.id));
    const output = opts.output ?? "table";
    if (output === "json" || output === "yaml") {
      const views = items.map((i) => taskItemView(i, latest.get(i.id)));
      if (output === "json") writeOut(JSON.stringify(views, null, 2) + "\n");
      else writeOut((await import("../output/yaml.js")).toYaml(views));
      return;
    }
    if (items.length === 0) {
      writeErr(`task ${task.id} has no items\n`);
      return;
    }
    // Generated items (generate_items) add their label and where each item came from.
    const generated = items.some((i) => i.source === "generated");
    const rows = items.map((i) => {
      const last = latest.get(i.id);
      const lastStep = last ? `${last.stepId} ${last.status} (cycle ${last.cycle})` : "";
      return generated ? [i.id, i.path, i.label ?? "", i.source ?? "static", i.status, String(i.failures), lastStep] : [i.id, i.path, i.status, String(i.failures), lastStep];
    });
    writeOut(renderTable(generated ? ["ID", "PATH", "LABEL", "SOURCE", "STATUS", "FAILURES", "LAST STEP"] : ["ID", "PATH", "STATUS", "FAILURES", "LAST STEP"], rows));
  });
}
