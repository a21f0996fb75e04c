/**
 * @module `orchestrator controller` (foreground or background),
 * `controller status` and `controller stop`.
 */
import { ControllerBusyError, runController } from "../../runtime/controller.js";
import { CONTROLLER_LOG, startControllerDaemon } from "../../runtime/daemon.js";
import { readControllerLock } from "../../runtime/lock.js";
import { openStore } from "../../store/sqlite/open.js";
import { openTaskStore } from "../../store/task-store.js";
import { requireHome } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { writeOut } from "../output/io.js";

export async function controllerCommand(opts: { workers: string; foreground?: boolean }): Promise<void> {
  const workers = Number(opts.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a positive integer, got '${opts.workers}'`);
  const home = requireHome();
  if (!opts.foreground) {
    const lock = readControllerLock(home.dir);
    if (lock?.alive) {
      writeOut(`controller already running (pid ${lock.pid})\n`);
      return;
    }
    const pid = await startControllerDaemon(home, { workers });
    writeOut(`controller started in the background (pid ${pid}); logs: .orchestrator/${CONTROLLER_LOG}\n`);
    return;
  }
  const log = batchedLines((text) => process.stdout.write(text));
  try {
    process.exitCode = await runController({ home, workers, log: log.line });
  } catch (err) {
    if (err instanceof ControllerBusyError) throw new CliError(err.message);
    throw err;
  } finally {
    log.flush();
  }
}

/**
 * Log lines written together once per turn of the event loop: the workers
 * of a busy controller log several lines a task, and each write to the log
 * file is a system call on the thread that runs them.
 */
function batchedLines(write: (text: string) => void): { line: (line: string) => void; flush: () => void } {
  let pending: string[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const text = pending.join("\n") + "\n";
    pending = [];
    write(text);
  };
  return {
    line: (line) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push(line);
    },
    flush,
  };
}

export async function controllerStatusCommand(opts: { output?: "text" | "json" }): Promise<void> {
  const home = requireHome();
  const lock = readControllerLock(home.dir);
  const store = openStore(home);
  let queued = 0;
  let running = 0;
  try {
    const tasks = openTaskStore(store);
    queued = tasks.listTasks({ phase: "Pending" }).filter((t) => t.queued).length;
    running = tasks.listTasks({ phase: "Running" }).length;
  } finally {
    store.close();
  }
  const status = { running: lock?.alive === true, pid: lock?.alive ? lock.pid : null, hostname: lock?.hostname ?? null, since: lock?.alive ? lock.startedAt : null, queuedTasks: queued, runningTasks: running };
  if (opts.output === "json") {
    writeOut(JSON.stringify(status) + "\n");
    return;
  }
  writeOut(status.running ? `controller running (pid ${status.pid} on ${status.hostname}, since ${status.since})\n` : "no controller running\n");
  writeOut(`tasks: ${queued} queued, ${running} running\n`);
}

export async function controllerStopCommand(opts: { timeout: string }): Promise<void> {
  const home = requireHome();
  const lock = readControllerLock(home.dir);
  if (!lock?.alive) {
    writeOut("no controller running\n");
    return;
  }
  try {
    process.kill(lock.pid, "SIGTERM");
  } catch (err) {
    throw new CliError(`cannot signal controller pid ${lock.pid}: ${(err as Error).message}`);
  }
  const deadline = Date.now() + Number(opts.timeout) * 1000;
  while (Date.now() < deadline) {
    if (!readControllerLock(home.dir)?.alive) {
      writeOut(`controller stopped (pid ${lock.pid})\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new CliError(`controller pid ${lock.pid} did not stop within ${opts.timeout}s`);
}
