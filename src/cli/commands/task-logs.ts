/**
 * @module `orchestrator task logs ID [--follow] [--tail N] [--timestamps]`:
 * a task's step logs in run order. Start-up matters here (people run it in
 * loops), so it loads only the task tables' reader and node built-ins: not
 * the rest of the store, and no yaml, ajv or effect.
 */
import { NoStoreError, requireHome, type Home } from "../../store/home-location.js";
import { openTaskReader, type TaskReadView } from "../../store/sqlite/task-reader.js";
import type { RunRecord } from "../../store/task-store.js";
import { CliError, UsageError } from "../errors.js";
import { writeOutWhenReady } from "../output/io.js";
import { TaskLogPrinter } from "../output/task-log-follow.js";
import type { StoredLogs } from "../output/task-log-reader.js";
import { releaseWaitOn, type ReleaseWait } from "../../runtime/claim-release.js";
import { isTerminalPhase, resolveTaskRef } from "./task-select.js";

export interface TaskLogsOptions {
  follow?: boolean;
  tail?: string;
  timestamps?: boolean;
  project?: string;
}

/** How often `--follow` looks for new runs and bytes. */
const FOLLOW_POLL_MS = 100;

/** Logs a shared store keeps (none on SQLite), and when a stopped task may still have lines coming. */
interface FollowSupport {
  logs?: StoredLogs;
  release: ReleaseWait;
}

/**
 * Runs fn with a read-only task store, opened without the resource side of
 * the store; a store that does not exist yet or needs migrating goes the
 * usual way (opened in full, which creates or migrates it).
 */
async function withTaskReader<T>(fn: (tasks: TaskReadView, follow: FollowSupport) => Promise<T>): Promise<T> {
  let home: Home;
  try {
    home = requireHome(process.cwd());
  } catch (err) {
    if (err instanceof NoStoreError) throw new CliError(err.message);
    throw err;
  }
  const reader = openTaskReader(home);
  if (!reader) {
    const [{ withStore }, { openTaskStore }, { stepLogStoreOf }, { controllerStoreOf }] = await Promise.all([
      import("../context.js"),
      import("../../store/task-store.js"),
      import("../../store/step-log-store.js"),
      import("../../store/controller-store.js"),
    ]);
    // A shared store keeps step logs itself: read them there, whichever host ran the step.
    return withStore(({ store }) => {
      const logs = stepLogStoreOf(store);
      const release = releaseWaitOn(controllerStoreOf(store));
      return fn(openTaskStore(store), logs ? { logs, release } : { release });
    });
  }
  try {
    return await fn(reader.tasks, { release: releaseWaitOn() });
  } finally {
    reader.close();
  }
}

function parseTail(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`--tail must be a whole number of lines, got '${value}'`);
  return n;
}

export async function taskLogsCommand(ref: string, opts: TaskLogsOptions): Promise<void> {
  const tail = opts.tail === undefined ? undefined : parseTail(opts.tail);
  await withTaskReader(async (tasks, follow) => {
    const { logs } = follow;
    const task = resolveTaskRef(tasks, ref, opts.project === undefined ? {} : { project: opts.project });
    let paths: Map<string, string> | undefined;
    const itemPath = (itemId: string): string | undefined => {
      if (!paths?.has(itemId)) paths = new Map(tasks.listItems(task.id).map((i) => [i.id, i.path]));
      return paths.get(itemId);
    };
    // Logs do not record when each line was written: a line already there is
    // stamped with its run's start; one read while following, with when it was read.
    let following = false;
    const stamp = opts.timestamps ? (run: RunRecord) => (following ? new Date().toISOString() : run.startedAt) : undefined;
    const printer = new TaskLogPrinter({ out: writeOutWhenReady, itemPath, ...(stamp ? { stamp } : {}), ...(logs ? { logs } : {}) });

    if (tail === undefined) await printer.poll(tasks.listRuns(task.id));
    else await printer.tail(tasks.listRuns(task.id), tail);
    following = true;

    if (opts.follow) {
      for (;;) {
        // Phase first: everything written before it turned final is read by the poll after it.
        const now = tasks.getTask(task.id);
        await printer.poll(tasks.listRuns(task.id));
        if (!now) {
          await printer.finish();
          throw new CliError(`task ${task.id} was deleted while following its logs`);
        }
        if (isTerminalPhase(now.phase) || now.phase === "Paused") {
          // A pause or cancel comes before the runner has stopped the steps: follow until it lets go of the task.
          if (!follow.release.pending(now)) break;
        }
        await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
      }
    }
    await printer.finish();
  });
}
