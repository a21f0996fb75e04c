/**
 * @module Printing a task's step logs in run order, each under its header,
 * and following them as runs start and bytes are appended. Output from
 * several runs at once (parallel items) is interleaved as read, with the
 * header repeated whenever the run being printed changes, as `tail -f` does.
 */
import { StringDecoder } from "node:string_decoder";
import type { RunRecord } from "../../store/task-store.js";
import { LinePrefixer, readFrom, readLastLines, runHeader } from "./task-log-reader.js";

export interface TaskLogPrinterOptions {
  out: (text: string) => void;
  itemPath: (itemId: string) => string | undefined;
  /** With `--timestamps`: the stamp put before each line of a run's output. */
  stamp?: (run: RunRecord) => string;
}

interface RunCursor {
  offset: number;
  decoder: StringDecoder;
  prefixer: LinePrefixer | undefined;
  announced: boolean;
}

export class TaskLogPrinter {
  private readonly cursors = new Map<string, RunCursor>();
  /** The run whose header or output was printed last. */
  private current: string | undefined;
  private lineEnded = true;

  constructor(private readonly opts: TaskLogPrinterOptions) {}

  /** Prints every run's output from where the last call stopped (from the start, the first time). */
  poll(runs: readonly RunRecord[]): void {
    for (const run of runs) {
      const cursor = this.cursor(run);
      // Every run gets a header: once it has a log, or once it ended without one (skipped, builtin).
      if (!cursor.announced && (run.logPath || run.finishedAt !== null)) {
        this.switchTo(run);
        cursor.announced = true;
      }
      if (!run.logPath) continue;
      cursor.offset = readFrom(run.logPath, cursor.offset, cursor.decoder, (text) => this.emit(run, cursor, text));
    }
  }

  /**
   * Prints the last `n` lines of the task's output: runs are read from the
   * last backwards, each from the end of its log, until `n` lines are found.
   * Following afterwards continues from where each log ended.
   */
  tail(runs: readonly RunRecord[], n: number): void {
    const sections: Array<{ run: RunRecord; lines: string[] }> = [];
    let remaining = n;
    for (let i = runs.length - 1; i >= 0; i--) {
      const run = runs[i]!;
      const cursor = this.cursor(run);
      cursor.announced = true;
      if (!run.logPath) continue;
      if (remaining <= 0) {
        cursor.offset = readLastLines(run.logPath, 0).size;
        continue;
      }
      const { lines, size } = readLastLines(run.logPath, remaining);
      cursor.offset = size;
      if (lines.length === 0) continue;
      remaining -= lines.length;
      sections.unshift({ run, lines });
    }
    for (const { run, lines } of sections) {
      const cursor = this.cursor(run);
      this.emit(run, cursor, lines.join("\n") + "\n");
    }
  }

  /** Ends a line left open by a log that did not end with a newline. */
  finish(): void {
    if (!this.lineEnded) this.opts.out("\n");
    this.lineEnded = true;
  }

  private cursor(run: RunRecord): RunCursor {
    let c = this.cursors.get(run.id);
    if (!c) {
      const stamp = this.opts.stamp;
      c = { offset: 0, decoder: new StringDecoder("utf8"), prefixer: stamp ? new LinePrefixer(() => stamp(run)) : undefined, announced: false };
      this.cursors.set(run.id, c);
    }
    return c;
  }

  private switchTo(run: RunRecord): void {
    this.finish();
    this.opts.out(runHeader(run, run.itemId ? this.opts.itemPath(run.itemId) : undefined));
    this.current = run.id;
  }

  private emit(run: RunRecord, cursor: RunCursor, text: string): void {
    if (text === "") return;
    if (this.current !== run.id) this.switchTo(run);
    const shown = cursor.prefixer ? cursor.prefixer.apply(text) : text;
    this.opts.out(shown);
    this.lineEnded = shown.endsWith("\n");
  }
}
