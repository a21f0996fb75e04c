/**
 * @module Printing a task's step logs in run order, each under its header,
 * and following them as runs start and bytes are appended. Output from
 * several runs at once (parallel items) is interleaved as read, with the
 * header repeated whenever the run being printed changes, as `tail -f` does.
 */
import { StringDecoder } from "node:string_decoder";
import type { RunRecord } from "../../store/task-store.js";
import { findLastLines, LinePrefixer, readFrom, runHeader } from "./task-log-reader.js";

export interface TaskLogPrinterOptions {
  /** Where text goes; a promise it returns is waited for before more is read (backpressure). */
  out: (text: string) => void | Promise<void>;
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
  async poll(runs: readonly RunRecord[]): Promise<void> {
    for (const run of runs) {
      const cursor = this.cursor(run);
      // Every run gets a header: once it has a log, or once it ended without one (skipped, builtin).
      if (!cursor.announced && (run.logPath || run.finishedAt !== null)) {
        await this.switchTo(run);
        cursor.announced = true;
      }
      if (!run.logPath) continue;
      cursor.offset = await readFrom(run.logPath, cursor.offset, cursor.decoder, (text) => this.emit(run, cursor, text));
    }
  }

  /**
   * Prints the last `n` lines of the task's output: runs are looked at from
   * the last backwards, each from the end of its log, until `n` lines are
   * found; then each part is read forwards in chunks. Following afterwards
   * continues from where each log ended.
   */
  async tail(runs: readonly RunRecord[], n: number): Promise<void> {
    const sections: Array<{ run: RunRecord; start: number; size: number }> = [];
    let remaining = n;
    for (let i = runs.length - 1; i >= 0; i--) {
      const run = runs[i]!;
      const cursor = this.cursor(run);
      cursor.announced = true;
      if (!run.logPath) continue;
      const last = findLastLines(run.logPath, Math.max(0, remaining));
      cursor.offset = last.size;
      if (last.lines === 0) continue;
      remaining -= last.lines;
      sections.unshift({ run, start: last.start, size: last.size });
    }
    for (const { run, start, size } of sections) {
      const cursor = this.cursor(run);
      await readFrom(run.logPath!, start, new StringDecoder("utf8"), (text) => this.emit(run, cursor, text), size);
      // A section is whole lines: the next one starts on a line of its own.
      if (!this.lineEnded) await this.emit(run, cursor, "\n");
    }
  }

  /** Ends a line left open by a log that did not end with a newline. */
  async finish(): Promise<void> {
    if (!this.lineEnded) await this.write("\n");
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

  private async switchTo(run: RunRecord): Promise<void> {
    await this.finish();
    await this.write(runHeader(run, run.itemId ? this.opts.itemPath(run.itemId) : undefined));
    this.current = run.id;
  }

  private async emit(run: RunRecord, cursor: RunCursor, text: string): Promise<void> {
    if (text === "") return;
    if (this.current !== run.id) await this.switchTo(run);
    const shown = cursor.prefixer ? cursor.prefixer.apply(text) : text;
    await this.write(shown);
    this.lineEnded = shown.endsWith("\n");
  }

  private async write(text: string): Promise<void> {
    await this.opts.out(text);
    if (text !== "") this.lineEnded = text.endsWith("\n");
  }
}
