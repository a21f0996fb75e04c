/**
 * @module The controller process: one per store (a lock file says which),
 * it recovers what a dead controller left, then runs queued tasks with a
 * pool of N workers until SIGTERM/SIGINT, when it stops claiming, gives
 * running steps a moment, then stops them and queues their tasks again.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Home } from "../store/home.js";
import { openStore } from "../store/sqlite/open.js";
import { openTaskStore, type TaskRecord } from "../store/task-store.js";
import { runTask } from "../engine/runner/task-runner.js";
import { enqueueDeclarative } from "../engine/tasks/submit.js";
import { acquireControllerLock } from "./lock.js";
import { recoverOrphans } from "./recovery.js";
import { installShutdownSignals } from "./signals.js";
import { startWorkerPool } from "./worker-pool.js";

export interface ControllerOptions {
  home: Home;
  workers: number;
  /** Idle poll interval for new work. */
  pollMs?: number;
  /** How long running steps get to finish when stopping. */
  graceMs?: number;
  log: (line: string) => void;
}

export class ControllerBusyError extends Error {
  override name = "ControllerBusyError";
}

/** Runs until a shutdown signal; resolves with the exit code. */
export async function runController(opts: ControllerOptions): Promise<number> {
  const lock = acquireControllerLock(opts.home.dir);
  if (!lock.acquired) throw new ControllerBusyError(`a controller already runs for this store (pid ${lock.heldBy} on ${lock.info.hostname}, since ${lock.info.startedAt})`);
  const store = openStore(opts.home);
  const tasks = openTaskStore(store);
  const workerPrefix = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const log = (line: string): void => opts.log(`${new Date().toISOString()} ${line}`);
  log(`controller started (pid ${process.pid}, ${opts.workers} worker(s), store ${opts.home.dbPath})`);

  for (const r of await recoverOrphans(store, tasks, workerPrefix, "controller")) {
    log(`recovered task ${r.task.id}: ${r.interruptedRuns} interrupted run(s), queued again`);
  }
  // Level-triggered: every committed Task/Run generation without an execution gets one.
  for (const kind of ["Task", "Run"] as const) {
    for (const r of store.listResources({ kind, allProjects: true })) {
      const t = enqueueDeclarative(store, tasks, opts.home, { project: r.metadata.project, kind, name: r.metadata.name });
      if (t) log(`queued ${kind.toLowerCase()}/${r.metadata.name} generation ${r.generation} as ${t.id}`);
    }
  }

  let n = 0;
  const pool = startWorkerPool<TaskRecord>({
    workers: opts.workers,
    pollMs: opts.pollMs ?? 50,
    claim: async () => tasks.claimNextTask(`${workerPrefix}:w${n++ % opts.workers}`),
    run: async (task, signal) => {
      log(`task ${task.id} (${task.name}) claimed`);
      const done = await runTask(task.id, { store, tasks, home: opts.home, signal, log });
      log(`task ${done.id} ${done.phase.toLowerCase()}${done.message ? `: ${done.message}` : ""}`);
    },
    onError: (err) => log(`worker error: ${(err as Error).stack ?? String(err)}`),
  });

  let resolveDone!: () => void;
  const stopped = new Promise<void>((r) => (resolveDone = r));
  const signals = installShutdownSignals({
    log,
    onShutdown: async (sig) => {
      log(`${sig} received; stopping`);
      await pool.stop(opts.graceMs ?? 2000);
      store.close();
      lock.release();
      log("controller stopped");
      resolveDone();
    },
  });
  await stopped;
  signals.uninstall();
  return 0;
}
