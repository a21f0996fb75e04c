/**
 * @module `orchestrator task create`: check the request, create the Task
 * and queue it, and make sure a controller will run it.
 */
import { submit, SubmitError } from "../../engine/tasks/submit.js";
import { ensureController } from "../../runtime/daemon.js";
import { openTaskStore } from "../../store/task-store.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import { withStore } from "../context.js";
import { CliError } from "../errors.js";
import type { OutputFormat } from "../output/format.js";
import { writeErr, writeOut } from "../output/io.js";
import { printMachine } from "../output/printer.js";
import { goalAndSetVars } from "../set-vars.js";

export interface TaskCreateOptions {
  name?: string;
  goal?: string;
  workflow?: string;
  workspace?: string;
  project?: string;
  targetFile?: string[];
  step?: string[];
  set?: string[];
  start: boolean;
  daemon: boolean;
  output?: OutputFormat | "text" | "json";
}

export async function taskCreateCommand(opts: TaskCreateOptions): Promise<void> {
  const { goal, vars } = goalAndSetVars(opts.goal, opts.set);
  await withStore(async ({ store, home, cwd }) => {
    const tasks = openTaskStore(store);
    let created;
    try {
      created = submit(store, tasks, home, {
        kind: "Task",
        origin: "cli",
        project: opts.project ?? DEFAULT_PROJECT,
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.workflow ? { workflow: opts.workflow } : {}),
        ...(opts.workspace ? { workspace: opts.workspace } : {}),
        goal,
        steps: opts.step ?? [],
        vars,
        targetFiles: opts.targetFile ?? [],
        start: opts.start,
        cwd,
      });
    } catch (err) {
      if (err instanceof SubmitError) throw new CliError(err.message);
      throw err;
    }
    const controller = opts.start ? await ensureController(home, { noDaemon: !opts.daemon }) : "not started";
    if (printMachine("TaskCreated", { id: created.task.id, name: created.task.name, resource: `task/${created.resourceName}`, phase: created.task.phase, queued: created.task.queued, controller }, opts.output, created.task.id, { jsonLine: true, nameKind: "task" })) return;
    writeOut(`${created.task.id}\n`);
    const how =
      controller === "running"
        ? "queued; the running controller will pick it up"
        : controller === "started"
          ? "queued; started a controller in the background (logs: .orchestrator/controller.log)"
          : controller === "disabled"
            ? "queued; no controller runs: start one with `orchestrator controller`"
            : "created without starting; run `orchestrator task start " + created.task.id + "`";
    writeErr(`task/${created.resourceName} created: ${how}\n`);
  });
}
