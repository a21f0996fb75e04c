/**
 * @module A task's logs as Server-Sent Events, for the web view's task page:
 * `run` when a step execution first shows (and again when its status
 * changes), `log` with each piece of new output, `task` when the task
 * changes, and `end` once the task has finished and every log is read.
 * The logs are read by the cursor `task logs` reads them with, so the page
 * shows what the engine wrote, secret values already replaced. New output
 * is noticed through a watch on the task's log folder, with a poll behind it.
 * On a shared store the logs are read from the store's copy, whichever host
 * ran the step: the watch sees only this host's files, the poll the rest.
 */
import { watch, type FSWatcher } from "node:fs";
import { join } from "node:path";
import type { SSEStreamingApi } from "hono/streaming";
import { isTerminalPhase } from "../../cli/commands/task-select.js";
import { redactRuns } from "../../cli/output/run-output.js";
import { objectJson } from "../../cli/output/printer.js";
import { TaskLogCursor } from "../../cli/output/task-log-follow.js";
import { itemPathMap, runView, taskView } from "../../cli/output/task-view.js";
import { projectSecretValues } from "../../engine/runner/secret-values.js";
import type { JsonObject } from "../../resources/types.js";
import type { RunRecord, TaskRecord } from "../../store/task-store.js";
import { stepLogStoreOf } from "../../store/step-log-store.js";
import { openTaskStore } from "../../store/task-store.js";
import type { ApiContext } from "./context.js";
import { releaseWaitOn } from "../../runtime/claim-release.js";
import { controllerStoreOf } from "../../store/controller-store.js";

export interface LogStreamOptions {
  /** Start with the last this many lines of the task's output rather than all of it. */
  tail?: number;
  /** How often the store is looked at when nothing wakes the stream sooner. */
  pollMs?: number;
  /** How often a comment line keeps idle connections (and proxies) open. */
  keepAliveMs?: number;
}

/** The least time between two passes over the store and the logs. */
const MIN_PASS_GAP_MS = 20;

class StreamAborted extends Error {}

/** Waits for a timeout, a change in a folder, or an abort, whichever comes first. */
class Waker {
  private watcher: FSWatcher | undefined;
  private wakeUp: (() => void) | undefined;
  private pending = false;

  constructor(private readonly dir: string) {}

  /** Starts watching once the folder exists (the first step creates it). */
  ensureWatching(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => this.wake());
      this.watcher.on("error", () => this.close());
    } catch {
      // Not there yet, or not watchable: the poll finds new output.
    }
  }

  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        this.pending = false;
        done();
      };
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}

/** Streams the task's logs and changes until it finishes, is deleted, or the client goes away. */
export async function streamTaskLogs(ctx: ApiContext, first: TaskRecord, stream: SSEStreamingApi, opts: LogStreamOptions = {}): Promise<void> {
  const tasks = openTaskStore(ctx.store);
  const release = releaseWaitOn(controllerStoreOf(ctx.store));
  const pollMs = opts.pollMs ?? 250;
  const keepAliveMs = opts.keepAliveMs ?? 15_000;
  const waker = new Waker(join(ctx.home.dir, "logs", first.id));
  stream.onAbort(() => waker.wake());

  let lastWrite = Date.now();
  const send = async (event: string, data: JsonObject): Promise<void> => {
    // A client gone away stops the reading too, not only the writing.
    if (stream.aborted) throw new StreamAborted();
    await stream.writeSSE({ event, data: JSON.stringify(data) });
    lastWrite = Date.now();
  };
  const secrets = projectSecretValues(ctx.store, first.project);
  let paths = itemPathMap(tasks.listItems(first.id));
  const sendRun = (run: RunRecord): Promise<void> => {
    if (run.itemId && !paths.has(run.itemId)) paths = itemPathMap(tasks.listItems(first.id));
    return send("run", runView(redactRuns([run], secrets)[0]!, paths));
  };
  const announced = new Set<string>();
  const announce = async (run: RunRecord): Promise<void> => {
    announced.add(run.id);
    await sendRun(run);
  };
  // Each piece read (up to 64 KiB) is one event, written before the next is read.
  const cursor = new TaskLogCursor({
    announce,
    text: async (run, text) => {
      // Starting from the tail skips the announcements: a run's output always follows its header.
      if (!announced.has(run.id)) await announce(run);
      await send("log", { run: run.id, text });
    },
  }, stepLogStoreOf(ctx.store));
  const statusSeen = new Map<string, string>();
  let taskSeen = "";

  try {
    if (opts.tail !== undefined) await cursor.tail(tasks.listRuns(first.id), opts.tail);
    while (!stream.aborted) {
      waker.ensureWatching();
      // The phase first: everything written before it turned final is read by the poll after it.
      const task = tasks.getTask(first.id);
      const runs = tasks.listRuns(first.id);
      if (task && task.updatedAt !== taskSeen) {
        taskSeen = task.updatedAt;
        await send("task", objectJson("TaskRecord", taskView(task)));
      }
      await cursor.poll(runs);
      for (const run of runs) {
        const status = `${run.status}:${run.finishedAt ?? ""}`;
        const before = statusSeen.get(run.id);
        statusSeen.set(run.id, status);
        // A run the cursor has just announced was sent as it is; a later change is sent again.
        if (before !== undefined && before !== status) await sendRun(run);
      }
      if (!task) return await send("end", { reason: "deleted" });
      // A cancel comes before the runner has stopped the steps: stream until it lets go of the task.
      if (isTerminalPhase(task.phase) && !release.pending(task)) return await send("end", { reason: "finished", phase: task.phase });
      if (Date.now() - lastWrite >= keepAliveMs) {
        await stream.write(": keep-alive\n\n");
        lastWrite = Date.now();
      }
      const passStarted = Date.now();
      await waker.wait(pollMs);
      // A step printing fast wakes the stream on every write; passes are spaced so it costs a bounded share of the process.
      const gap = MIN_PASS_GAP_MS - (Date.now() - passStarted);
      if (gap > 0) await new Promise((r) => setTimeout(r, gap));
    }
  } catch (err) {
    // A client that went away mid-write is no failure.
    if (!(err instanceof StreamAborted) && !stream.aborted) throw err;
  } finally {
    waker.close();
  }
}
