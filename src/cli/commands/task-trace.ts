/**
 * @module `orchestrator task trace ID [-o json|yaml|...]`: a task's timeline of cycles,
 * steps and runs, from its run records and events.
 */
import { openTaskStore } from "../../store/task-store.js";
import { withStore } from "../context.js";
import type { JsonObject } from "../../resources/types.js";
import type { OutputFormat } from "../output/format.js";
import { useColor } from "../output/io.js";
import { printObject } from "../output/printer.js";
import { projectSecretValues } from "../../engine/runner/secret-values.js";
import { redactRuns } from "../output/run-output.js";
import { spawnTree } from "../output/spawn-tree.js";
import { buildTrace, renderTrace } from "../output/task-trace.js";
import { resolveTaskRef } from "./task-select.js";

export interface TaskTraceOptions {
  /** The old spelling of `-o json`. */
  json?: boolean;
  output?: OutputFormat;
  project?: string;
}

export async function taskTraceCommand(ref: string, opts: TaskTraceOptions): Promise<void> {
  await withStore(async ({ store }) => {
    const tasks = openTaskStore(store);
    const task = resolveTaskRef(tasks, ref, opts.project === undefined ? {} : { project: opts.project });
    const runs = redactRuns(tasks.listRuns(task.id), projectSecretValues(store, task.project));
    const family = {
      parentName: task.parent ? (tasks.getTask(task.parent.taskId)?.name ?? null) : null,
      spawned: spawnTree(task.id, (id) => tasks.listTasks({ parentTaskId: id })),
    };
    const trace = buildTrace(task, tasks.listItems(task.id), runs, store.listEvents({ taskId: task.id }), family);
    const output: OutputFormat | undefined = opts.json ? { type: "json" } : opts.output;
    printObject("TaskTrace", trace as unknown as JsonObject, task.id, output ? { output } : {}, () => renderTrace(trace, useColor()), "task");
  });
}
