/**
 * @module `orchestrator run`: create a Run, follow its logs live and exit 0
 * when it completes, 1 when it fails, 3 when it is paused (from another
 * shell, with `task pause`). With no controller running it executes in this
 * process; `--detach` leaves it to the controller and returns.
 */
import { hostname } from "node:os";
import { outcomeReasonOf } from "../../engine/runner/resource-status.js";
import { SELF_RESTART_KEY } from "../../engine/runner/self-restart.js";
import { runTask } from "../../engine/runner/task-runner.js";
import { submit, SubmitError } from "../../engine/tasks/submit.js";
import { controllerRunning, ensureController } from "../../runtime/daemon.js";
import { releaseWaitOn } from "../../runtime/claim-release.js";
import { shipLogsIfShared, taskLogCopy } from "../../runtime/log-shipper.js";
import { controllerStoreOf } from "../../store/controller-store.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import { stepLogStoreOf } from "../../store/step-log-store.js";
import { openTaskStore, type TaskRecord } from "../../store/task-store.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import type { OutputFormat } from "../output/format.js";
import { whenOutputCloses, writeErr, writeOut, writeOutWhenReady } from "../output/io.js";
import { formatName, printMachine } from "../output/printer.js";
import { LogFollower } from "../output/log-follower.js";
import { goalAndSetVars } from "../set-vars.js";

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
  output?: OutputFormat | "text" | "json";
}

/** Phases at which following stops: the terminal ones, and Paused (it waits for a `task resume`). */
const STOPS_FOLLOWING = new Set(["Completed", "Failed", "Cancelled", "Paused"]);

/** Exit codes: completed, failed, paused (resumable), interrupted with Ctrl-C (cancelled). */
/** `restart`: a self_restart handed the task to a controller on the rebuilt orchestrator (EX_TEMPFAIL, as upstream's). */
export const RUN_EXIT = { completed: 0, failed: 1, paused: 3, restart: 75, cancelled: 130 } as const;

function exitCodeOf(phase: TaskRecord["phase"]): number {
  if (phase === "Completed") return RUN_EXIT.completed;
  if (phase === "Paused") return RUN_EXIT.paused;
  if (phase === "Cancelled") return RUN_EXIT.cancelled;
  return RUN_EXIT.failed;
}

export async function runCommand(opts: RunOptions): Promise<void> {
  if (!opts.workflow && !opts.template) throw new UsageError("give --workflow W, or --template T with --agent-capability C");
  if (opts.workflow && opts.template) throw new UsageError("give either --workflow or --template, not both");
  if (opts.template && !opts.agentCapability) throw new UsageError("--template needs --agent-capability C");
  const { goal, vars } = goalAndSetVars(opts.goal, opts.set);
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
        goal,
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
      if (!printMachine("RunCreated", { id, name: created.resourceName, resource: `run/${created.resourceName}`, controller }, opts.output, id, { jsonLine: true, nameKind: "task" })) writeOut(`${id}\n`);
      return;
    }
    writeErr(`run/${created.resourceName} (${id}) ${inProcess ? "running in this process" : "queued on the running controller"}\n`);

    const items = new Map<string, string>();
    // Whether stdout ends a line: `-o json` prints its JSON on a line of its own.
    let lineOpen = false;
    const out = (text: string): Promise<void> => {
      if (text.length > 0) lineOpen = !text.endsWith("\n");
      return writeOutWhenReady(text);
    };
    // Run here, the step's log file is on this host; run by a controller on a shared store, perhaps on another
    // host: read the copy in the store, as `task logs` does.
    const storedLogs = inProcess ? undefined : stepLogStoreOf(store);
    const follower = new LogFollower({
      tasks,
      taskId: id,
      out,
      header: writeErr,
      itemPath: (itemId) => {
        if (!items.has(itemId)) for (const i of tasks.listItems(id)) items.set(i.id, i.path);
        return items.get(itemId);
      },
      ...(storedLogs ? { logs: storedLogs } : {}),
    });
    let final: TaskRecord;
    if (inProcess) {
      // Claimed by this process: a controller starting meanwhile sees it alive and leaves it alone.
      const claimed = tasks.updateTask(id, { phase: "Running", queued: false, claimedBy: `${hostname()}:${process.pid}:run` });
      const abort = new AbortController();
      const cancel = (message: string) => (): void => {
        const now = tasks.getTask(id);
        // A run that has just ended keeps its outcome.
        if (now && !STOPS_FOLLOWING.has(now.phase)) tasks.updateTask(id, { phase: "Cancelled", message });
        abort.abort();
      };
      const onSigint = cancel("cancelled by Ctrl-C");
      process.once("SIGINT", onSigint);
      // Whoever read the output went away (`run ... | head`): stop the work as Ctrl-C would.
      const releaseOutput = whenOutputCloses(cancel("cancelled: the output pipe was closed"));
      const timer = setInterval(() => follower.tick(), 100);
      // On a shared store the step logs are copied into it, as a controller does: other hosts read and follow them.
      const shipper = shipLogsIfShared(store, tasks, `${hostname()}:${process.pid}:`, (line) => writeErr(`${line}\n`));
      const copy = taskLogCopy(shipper);
      try {
        // A `task pause` from another shell is seen by the runner, which stops its steps and returns.
        final = await runTask(claimed, { store, tasks, home, signal: abort.signal, ...copy.hook });
      } finally {
        copy.finish(id);
        shipper?.stop();
        clearInterval(timer);
        process.removeListener("SIGINT", onSigint);
        releaseOutput();
      }
      await follower.poll();
    } else {
      const release = releaseWaitOn(controllerStoreOf(store));
      for (;;) {
        // Phase first: everything written before it stopped is read by the poll after it.
        const t = tasks.getTask(id);
        await follower.poll();
        if (!t) throw new CliError(`run/${created.resourceName} (${id}) was deleted while following it`);
        // A pause or cancel comes before the runner has stopped the steps: follow until it lets go of the task.
        if (STOPS_FOLLOWING.has(t.phase) && !release.pending(t)) {
          final = t;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // self_restart rebuilt the orchestrator: the task continues on a controller running the new build.
    const restart = final.phase === "Pending" && final.queued ? final.state[SELF_RESTART_KEY] : undefined;
    if (restart && typeof restart === "object" && !Array.isArray(restart) && typeof restart["entry"] === "string") {
      const controller = await ensureController(home, { noDaemon: !opts.daemon, entry: restart["entry"] });
      const how =
        controller === "disabled"
          ? `no controller runs: start one from the new build with \`node ${restart["entry"]} controller\``
          : controller === "started"
            ? `started a controller from the new build in the background; follow it with \`orchestrator task watch ${id}\``
            : "the running controller will run it (it runs the build it was started from)";
      writeErr(`run/${created.resourceName}: self_restart rebuilt the orchestrator; the task is queued to continue on it: ${how}\n`);
      if (formatName(opts.output) !== "text") {
        if (lineOpen) writeOut("\n");
        printMachine("RunResult", { id, name: created.resourceName, phase: final.phase, exitCode: null, message: final.message, reason: "SelfRestart" }, opts.output, id, { jsonLine: true });
      }
      process.exitCode = RUN_EXIT.restart;
      return;
    }
    // Tasks its steps spawned wait on the queue: someone has to run them.
    const waiting = tasks.listTasks({ parentTaskId: id }).filter((t) => t.queued);
    if (waiting.length) {
      const controller = await ensureController(home, { noDaemon: !opts.daemon });
      const how = controller === "disabled" ? "no controller runs: start one with `orchestrator controller`" : controller === "started" ? "started a controller in the background" : "the running controller will run them";
      writeErr(`${waiting.length} spawned task(s) queued (${waiting.map((t) => t.id).join(", ")}); ${how}\n`);
    }
    if (formatName(opts.output) !== "text") {
      const reason = outcomeReasonOf(final);
      if (lineOpen) writeOut("\n");
      printMachine("RunResult", { id, name: created.resourceName, phase: final.phase, exitCode: final.exitCode, message: final.message, ...(reason ? { reason } : {}) }, opts.output, id, { jsonLine: true, nameKind: "task" });
    }
    const resume = final.phase === "Paused" ? `; continue it with \`orchestrator task resume ${id}\`` : "";
    writeErr(`run/${created.resourceName} ${final.phase.toLowerCase()}${final.message ? `: ${final.message}` : ""}${resume}\n`);
    process.exitCode = exitCodeOf(final.phase);
  });
}
