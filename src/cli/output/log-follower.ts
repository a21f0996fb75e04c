/**
 * @module Following a task's step logs as they are written (`orchestrator
 * run`): each run's log is printed from where the last poll stopped, under a
 * header naming the step, so output appears while agents print it; a run
 * without a log (skipped, builtin) gets a line saying how it ended. Logs
 * are read a chunk at a time, waiting for a slow reader of our output, so
 * a step that prints gigabytes costs a chunk of memory here. On a shared
 * store, following a task a controller runs, logs are read from the store's
 * copy (as `task logs` reads them): the step may run on another host.
 */
import { StringDecoder } from "node:string_decoder";
import type { RunRecord, TaskStore } from "../../store/task-store.js";
import { builtinOf, readFrom, readStoredFrom, type StoredLogs } from "./task-log-reader.js";

export interface LogFollowerOptions {
  tasks: TaskStore;
  taskId: string;
  /** Where output goes; a promise it returns is waited for before more is read. */
  out: (text: string) => void | Promise<void>;
  /** Header lines (step starts); default to `out`. */
  header?: (text: string) => void | Promise<void>;
  itemPath?: (itemId: string) => string | undefined;
  /** Logs kept in a shared store (read from there, whichever host ran the step); else the log files. */
  logs?: StoredLogs;
}

export class LogFollower {
  private readonly cursors = new Map<string, { offset: number; decoder: StringDecoder }>();
  private readonly announced = new Set<string>();
  private polling: Promise<void> | undefined;

  constructor(private readonly opts: LogFollowerOptions) {}

  /** Prints whatever is new since the last call; a call while one runs waits for it, then reads on. */
  poll(): Promise<void> {
    const next = (this.polling ?? Promise.resolve()).then(async () => {
      for (const run of this.opts.tasks.listRuns(this.opts.taskId)) await this.pollRun(run);
    });
    const tracked: Promise<void> = next
      .catch(() => undefined)
      .finally(() => {
        if (this.polling === tracked) this.polling = undefined;
      });
    this.polling = tracked;
    return next;
  }

  /** Like `poll`, but skipped when one is still running (a timer's tick). */
  tick(): void {
    if (this.polling === undefined) void this.poll().catch(() => undefined);
  }

  private async pollRun(run: RunRecord): Promise<void> {
    const header = this.opts.header ?? this.opts.out;
    if (!this.announced.has(run.id)) {
      // A run without a log (a skipped or builtin step) is announced with how it ended.
      if (run.status === "skipped" || (!run.logPath && run.finishedAt !== null)) {
        const builtin = builtinOf(run);
        await header(`==> step ${run.stepId}${this.item(run)}${builtin ? ` (builtin ${builtin})` : ""} ${run.status}${run.reason ? `: ${run.reason}` : ""}\n`);
        this.announced.add(run.id);
        return;
      }
      if (!run.logPath) return;
      await header(`==> step ${run.stepId}${this.item(run)}${run.agent ? ` (agent ${run.agent})` : ""} <==\n`);
      this.announced.add(run.id);
    }
    if (!run.logPath) return;
    let cursor = this.cursors.get(run.id);
    if (!cursor) {
      cursor = { offset: 0, decoder: new StringDecoder("utf8") };
      this.cursors.set(run.id, cursor);
    }
    const { logs, out } = this.opts;
    cursor.offset = logs ? await readStoredFrom(logs, run.id, cursor.offset, cursor.decoder, async (t) => void (await out(t))) : await readFrom(run.logPath, cursor.offset, cursor.decoder, out);
  }

  private item(run: RunRecord): string {
    if (!run.itemId) return "";
    return ` [${this.opts.itemPath?.(run.itemId) ?? run.itemId}]`;
  }
}
