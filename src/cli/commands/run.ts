/**
 * @module `orchestrator run`: create a Run, follow its logs live and exit 0
 * when it completes, 1 when it fails. With no controller running it executes
 * in this process; `--detach` leaves it to the controller and returns.
 */
import { hostname } from "node:os";
import { runTask } from "../../engine/runner/task-runner.js";
import { submit, SubmitError } from "../../engine/tasks/submit.js";
import { controllerRunning, ensureController } from "../../runtime/daemon.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import { openTaskStore, type TaskRecord } from "../../store/task-store.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { writeErr, writeOut } from "../output/io.js";
import { LogFollower } from "../output/log-follower.js";
import { parseSetVars } from "../set-vars.js";

export interface RunOptions {
  workflow?: string;
  template?: string;
  agentCapability?: string;
  profile?: string;
  workspace?: string;
  project?: string;
  goal?: string;
  targetFile?: string[];
  step?: string[];
  set?: string[];
  detach?: boolean;
  daemon: boolean;
  output?: "text" | "json";
}

const TERMINAL = new Set(["Completed", "Failed", "Cancelled"]);

export async function runCommand(opts: RunOptions): Promise<void> {
  if (!opts.workflow && !opts.template) throw new UsageError("give --workflow W, or --template T with --agent-capability C");
  if (opts.workflow && opts.template) throw new UsageError("give either --workflow or --template, not both");
  if (opts.template && !opts.agentCapability) throw new UsageError("--template needs --agent-capability C");
  const vars = parseSetVars(opts.set);
  await withStore(async ({ store, home, cwd }) => {
    const tasks = openTaskStore(store);
    const inProcess = !opts.detach && !controllerRunning(home);
    let created;
    try {
      created = submit(store, tasks, home, {
        kind: "Run",
        origin: "run",
        project: opts.project ?? DEFAULT_PROJECT,
        ...(opts.workflow ? { workflow: opts.workflow } : {}),
        ...(opts.template ? { template: opts.template } : {}),
        ...(opts.agentCapability ? { agentCapability: opts.agentCapability } : {}),
        ...(opts.profile ? { profile: opts.profile } : {}),
        ...(opts.workspace ? { workspace: opts.workspace } : {}),
        goal: opts.goal ?? "",
        steps: opts.step ?? [],
        vars,
        targetFiles: opts.targetFile ?? [],
        start: !inProcess,
        cwd,
      });
    } catch (err) {
      if (err instanceof SubmitError) throw new CliError(err.message);
      throw err;
    }
    const id = created.task.id;
    if (opts.detach) {
      const controller = await ensureController(home, { noDaemon: !opts.daemon });
      writeOut(opts.output === "json" ? JSON.stringify({ id, name: created.resourceName, resource: `run/${created.resourceName}`, controller }) + "\n" : `${id}\n`);
      return;
    }
    writeErr(`run/${created.resourceName} (${id}) ${inProcess ? "running in this process" : "queued on the running controller"}\n`);

    const items = new Map<string, string>();
    const follower = new LogFollower({
      tasks,
      taskId: id,
      out: writeOut,
      header: writeErr,
      itemPath: (itemId) => {
        if (!items.has(itemId)) for (const i of tasks.listItems(id)) items.set(i.id, i.path);
        return items.get(itemId);
      },
    });
    let final: TaskRecord;
    if (inProcess) {
      // Claimed by this process: a controller starting meanwhile sees it alive and leaves it alone.
      tasks.updateTask(id, { phase: "Running", queued: false, claimedBy: `${hostname()}:${process.pid}:run` });
      const abort = new AbortController();
      const onSigint = (): void => {
        tasks.updateTask(id, { phase: "Cancelled", message: "cancelled by Ctrl-C" });
        abort.abort();
      };
      process.once("SIGINT", onSigint);
      const timer = setInterval(() => follower.poll(), 100);
      try {
        final = await runTask(id, { store, tasks, home, signal: abort.signal });
      } finally {
        clearInterval(timer);
        process.removeListener("SIGINT", onSigint);
      }
      follower.poll();
    } else {
      for (;;) {
        follower.poll();
        const t = tasks.getTask(id)!;
        if (TERMINAL.has(t.phase)) {
          follower.poll();
          final = t;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const ok = final.phase === "Completed";
    if (opts.output === "json") writeOut(JSON.stringify({ id, name: created.resourceName, phase: final.phase, exitCode: final.exitCode, message: final.message }) + "\n");
    writeErr(`run/${created.resourceName} ${final.phase.toLowerCase()}${final.message ? `: ${final.message}` : ""}\n`);
    process.exitCode = ok ? 0 : final.phase === "Cancelled" ? 130 : 1;
  });
}
