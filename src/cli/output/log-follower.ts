/**
 * @module Following a task's step logs as they are written (`orchestrator
 * run`): each run's log is printed from where the last poll stopped, under a
 * header naming the step, so output appears while agents print it; a run
 * without a log (skipped, builtin) gets a line saying how it ended.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import type { RunRecord, TaskStore } from "../../store/task-store.js";
import { builtinOf } from "./task-log-reader.js";

export interface LogFollowerOptions {
  tasks: TaskStore;
  taskId: string;
  out: (text: string) => void;
  /** Header lines (step starts); default to `out`. */
  header?: (text: string) => void;
  itemPath?: (itemId: string) => string | undefined;
}

export class LogFollower {
  private readonly offsets = new Map<string, number>();
  private readonly announced = new Set<string>();

  constructor(private readonly opts: LogFollowerOptions) {}

  /** Prints whatever is new since the last call. */
  poll(): void {
    for (const run of this.opts.tasks.listRuns(this.opts.taskId)) this.pollRun(run);
  }

  private pollRun(run: RunRecord): void {
    const header = this.opts.header ?? this.opts.out;
    if (!this.announced.has(run.id)) {
      // A run without a log (a skipped or builtin step) is announced with how it ended.
      if (run.status === "skipped" || (!run.logPath && run.finishedAt !== null)) {
        const builtin = builtinOf(run);
        header(`==> step ${run.stepId}${this.item(run)}${builtin ? ` (builtin ${builtin})` : ""} ${run.status}${run.reason ? `: ${run.reason}` : ""}\n`);
        this.announced.add(run.id);
        return;
      }
      if (!run.logPath) return;
      header(`==> step ${run.stepId}${this.item(run)}${run.agent ? ` (agent ${run.agent})` : ""} <==\n`);
      this.announced.add(run.id);
    }
    if (!run.logPath) return;
    let size: number;
    try {
      size = statSync(run.logPath).size;
    } catch {
      return;
    }
    const from = this.offsets.get(run.id) ?? 0;
    if (size <= from) return;
    const fd = openSync(run.logPath, "r");
    try {
      const buf = Buffer.alloc(size - from);
      const n = readSync(fd, buf, 0, buf.length, from);
      this.offsets.set(run.id, from + n);
      this.opts.out(buf.subarray(0, n).toString("utf8"));
    } finally {
      closeSync(fd);
    }
  }

  private item(run: RunRecord): string {
    if (!run.itemId) return "";
    return ` [${this.opts.itemPath?.(run.itemId) ?? run.itemId}]`;
  }
}
