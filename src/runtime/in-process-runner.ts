/**
 * @module Running Tasks and Runs inside the process that committed them,
 * for `orchestrator watch` when no controller runs. Each record is made
 * unqueued and claimed by this process at once, so a controller that
 * starts meanwhile leaves it alone (its claimer is alive); when this process
 * stops, the runner puts unfinished tasks back on the queue for a controller.
 */
import { hostname } from "node:os";
import type { ControllerHooks } from "../../controllers/types.js";
import { runTask } from "../engine/runner/task-runner.js";
import type { Home } from "../store/home.js";
import type { Store } from "../store/store.js";
import { openTaskStore, type TaskRecord } from "../store/task-store.js";
import { declarativeEngineHook } from "./engine-hook.js";
import { shipLogsIfShared, taskLogCopy } from "./log-shipper.js";
import { startWorkerPool } from "./worker-pool.js";

export interface InProcessRunnerOptions {
  home: Home;
  store: Store;
  /** Tasks run at once. Default 4. */
  workers?: number;
  log?: (line: string) => void;
}

export interface InProcessRunner {
  hooks: ControllerHooks;
  /** Stops running tasks (they are queued again) and waits for them. */
  close(): Promise<void>;
}

export function startInProcessRunner(opts: InProcessRunnerOptions): InProcessRunner {
  const tasks = openTaskStore(opts.store);
  const claimedBy = `${hostname()}:${process.pid}:in-process`;
  const waiting: TaskRecord[] = [];
  // On a shared store the step logs are copied into it, as a controller does.
  const shipper = shipLogsIfShared(opts.store, tasks, `${hostname()}:${process.pid}:`, (line) => opts.log?.(line));
  const pool = startWorkerPool<TaskRecord>({
    workers: opts.workers ?? 4,
    pollMs: 100,
    claim: async () => waiting.shift(),
    run: async (task, signal) => {
      const copy = taskLogCopy(shipper);
      try {
        const done = await runTask(task.id, { store: opts.store, tasks, home: opts.home, signal, ...(opts.log ? { log: opts.log } : {}), ...copy.hook });
        opts.log?.(`task ${done.id} (${done.name}) ${done.phase.toLowerCase()}${done.message ? `: ${done.message}` : ""}`);
      } finally {
        copy.finish(task.id);
      }
    },
    onError: (err) => opts.log?.(`task runner: ${(err as Error).message}`),
  });
  const engine = declarativeEngineHook({
    store: opts.store,
    tasks,
    home: opts.home,
    queued: false,
    ...(opts.log ? { log: opts.log } : {}),
    onTask: (task) => {
      waiting.push(tasks.updateTask(task.id, { phase: "Running", claimedBy }, "in-process"));
      pool.wake();
    },
  });
  return {
    hooks: { engine },
    close: async () => {
      // Claimed but not started: straight back on the queue.
      for (const t of waiting.splice(0)) tasks.updateTask(t.id, { phase: "Pending", queued: true, claimedBy: null }, "in-process");
      await pool.stop(2000);
      shipper?.stop();
    },
  };
}
