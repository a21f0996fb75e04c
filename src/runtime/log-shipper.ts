/**
 * @module Copying step logs into a shared store as they grow, so `task logs
 * -f` on another host follows a step running on this one. Every tick it
 * looks at the runs of the tasks this controller holds and appends what
 * each log file gained since the last look; once a task's steps have
 * stopped, the rest of its logs is copied before its outcome is written (or,
 * for a pause or cancel another process wrote, before the runner lets go of
 * it), so whoever sees that finds the whole log. The log file stays the engine's; the store
 * gets a copy, in chunks of at most CHUNK bytes.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { stepLogStoreOf, type StepLogStore } from "../store/step-log-store.js";
import type { Store } from "../store/store.js";
import type { TaskStore } from "../store/task-store.js";

const CHUNK = 256 * 1024;

export interface LogShipperOptions {
  tasks: TaskStore;
  logs: StepLogStore;
  /** Claims that are this controller's (its worker id prefix). */
  claimPrefix: string;
  intervalMs?: number;
  log: (line: string) => void;
}

export interface LogShipper {
  /** A task's steps have stopped here (called once, before its outcome is written: see taskLogCopy): copy the rest of its logs. */
  taskDone(taskId: string): void;
  /** Copies what is left and stops. */
  stop(): void;
}

export function startLogShipper(opts: LogShipperOptions): LogShipper {
  /** Run id -> [log path, bytes copied]. */
  const shipping = new Map<string, { path: string; offset: number }>();

  const copy = (runId: string, entry: { path: string; offset: number }): void => {
    let fd: number;
    try {
      fd = openSync(entry.path, "r");
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.allocUnsafe(CHUNK);
      while (entry.offset < size) {
        const read = readSync(fd, buf, 0, Math.min(CHUNK, size - entry.offset), entry.offset);
        if (read === 0) break;
        opts.logs.appendLog(runId, entry.offset, Buffer.from(buf.subarray(0, read)));
        entry.offset += read;
      }
    } finally {
      closeSync(fd);
    }
  };

  /** Runs whose whole log is in the store: finished and copied to their end. */
  const done = new Set<string>();

  const shipTask = (taskId: string, final: boolean): void => {
    for (const run of opts.tasks.listRuns(taskId)) {
      if (!run.logPath || done.has(run.id)) continue;
      let entry = shipping.get(run.id);
      if (!entry) shipping.set(run.id, (entry = { path: run.logPath, offset: opts.logs.logSize(run.id) }));
      copy(run.id, entry);
      // A run read as finished has written its last byte: one more copy after this would find nothing.
      if (run.finishedAt !== null || final) {
        shipping.delete(run.id);
        done.add(run.id);
      }
    }
  };

  const tick = (): void => {
    try {
      for (const t of opts.tasks.listClaimedTasks()) if (t.claimedBy?.startsWith(opts.claimPrefix)) shipTask(t.id, false);
    } catch (err) {
      opts.log(`copying step logs to the store: ${(err as Error).message}`);
    }
  };

  const timer = setInterval(tick, opts.intervalMs ?? 200);
  timer.unref();
  return {
    taskDone(taskId: string): void {
      try {
        shipTask(taskId, true);
      } catch (err) {
        opts.log(`copying step logs to the store: ${(err as Error).message}`);
      }
    },
    stop(): void {
      clearInterval(timer);
      tick();
    },
  };
}

/**
 * A shipper for whatever runs tasks in this process (the controller, `run`,
 * `watch`) when the store is shared; undefined on a store that only this
 * host reads (the log files are the logs then).
 */
export function shipLogsIfShared(store: Store, tasks: TaskStore, claimPrefix: string, log: (line: string) => void): LogShipper | undefined {
  const logs = stepLogStoreOf(store);
  return logs ? startLogShipper({ tasks, logs, claimPrefix, log }) : undefined;
}

/** The rest of one task's logs, copied once: by runTask's hook before its outcome, or, when it never ran, at the end. */
export interface TaskLogCopy {
  /** For runTask's options: copies the rest of the task's logs before its outcome (or release) is written. */
  readonly hook: { beforeOutcome?: (taskId: string) => void };
  /** After runTask: copies the rest unless the hook already did (a task that ended before its outcome was written). */
  finish(taskId: string): void;
}

export function taskLogCopy(shipper: LogShipper | undefined): TaskLogCopy {
  let copied = false;
  return {
    hook: shipper
      ? {
          beforeOutcome: (id: string): void => {
            copied = true;
            shipper.taskDone(id);
          },
        }
      : {},
    finish: (id) => {
      if (!copied) shipper?.taskDone(id);
    },
  };
}
