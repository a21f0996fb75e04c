/**
 * @module Reading a task's step logs in run order and following them as runs
 * start and bytes are appended: `TaskLogCursor` hands each run's
 * announcement and new text to a sink (the web view streams them as
 * events), waiting for the sink when it is slow, and `TaskLogPrinter`
 * prints them as `task logs` does. Output from several runs at once
 * (parallel items) is interleaved as read, with the header repeated
 * whenever the run being printed changes, as `tail -f` does. What is read is
 * what the engine wrote: secret values were replaced as the output streamed
 * into the log.
 */
import { StringDecoder } from "node:string_decoder";
import type { RunRecord } from "../../store/task-store.js";
import { findLastLines, LinePrefixer, readFrom, runHeader, findStoredLastLines, readStoredFrom, type StoredLogs } from "./task-log-reader.js";

/** Where a cursor sends what it reads; a promise returned is waited for before more is read (backpressure). */
export interface TaskLogSink {
  /** A run is seen for the first time with a log, or ended without one (skipped, builtin). */
  announce(run: RunRecord): void | Promise<void>;
  /** New text of a run's log, decoded (a UTF-8 sequence split across reads is kept whole). */
  text(run: RunRecord, text: string): void | Promise<void>;
}

interface RunCursor {
  offset: number;
  decoder: StringDecoder;
  announced: boolean;
}

/** Per-run read positions over a task's logs. */
export class TaskLogCursor {
  private readonly cursors = new Map<string, RunCursor>();

  /** `logs`: logs kept in a shared store (read from there, whichever host ran the step); else the log files. */
  constructor(
    private readonly sink: TaskLogSink,
    private readonly logs?: StoredLogs,
  ) {}

  private readFrom(run: RunRecord, from: number, decoder: StringDecoder, out: (text: string) => void | Promise<void>, to?: number): Promise<number> {
    return this.logs ? readStoredFrom(this.logs, run.id, from, decoder, async (t) => void (await out(t)), to) : readFrom(run.logPath!, from, decoder, out, to);
  }

  /** Reads every run's output from where the last call stopped (from the start, the first time). */
  async poll(runs: readonly RunRecord[]): Promise<void> {
    for (const run of runs) {
      const cursor = this.cursor(run);
      // Every run gets a header: once it has a log, or once it ended without one (skipped, builtin).
      if (!cursor.announced && (run.logPath || run.finishedAt !== null)) {
        cursor.announced = true;
        await this.sink.announce(run);
      }
      if (!run.logPath) continue;
      cursor.offset = await this.readFrom(run, cursor.offset, cursor.decoder, (text) => this.sink.text(run, text));
    }
  }

  /**
   * Reads the last `n` lines of the task's output: runs are looked at from
   * the last backwards, each from the end of its log, until `n` lines are
   * found; then each part is read forwards in chunks, ending on a line end.
   * Following afterwards continues from where each log ended.
   */
  async tail(runs: readonly RunRecord[], n: number): Promise<void> {
    const sections: Array<{ run: RunRecord; start: number; size: number }> = [];
    let remaining = n;
    for (let i = runs.length - 1; i >= 0; i--) {
      const run = runs[i]!;
      const cursor = this.cursor(run);
      cursor.announced = true;
      if (!run.logPath) continue;
      const last = (this.logs ? findStoredLastLines(this.logs, run.id, Math.max(0, remaining)) : findLastLines(run.logPath, Math.max(0, remaining)));
      cursor.offset = last.size;
      if (last.lines === 0) continue;
      remaining -= last.lines;
      sections.unshift({ run, start: last.start, size: last.size });
    }
    for (const { run, start, size } of sections) {
      let lineEnded = true;
      await this.readFrom(
        run,
        start,
        new StringDecoder("utf8"),
        (text) => {
          lineEnded = text.endsWith("\n");
          return this.sink.text(run, text);
        },
        size,
      );
      // A section is whole lines: the next one starts on a line of its own.
      if (!lineEnded) await this.sink.text(run, "\n");
    }
  }

  private cursor(run: RunRecord): RunCursor {
    let c = this.cursors.get(run.id);
    if (!c) this.cursors.set(run.id, (c = { offset: 0, decoder: new StringDecoder("utf8"), announced: false }));
    return c;
  }
}

export interface TaskLogPrinterOptions {
  /** Where text goes; a promise it returns is waited for before more is read (backpressure). */
  out: (text: string) => void | Promise<void>;
  itemPath: (itemId: string) => string | undefined;
  /** With `--timestamps`: the stamp put before each line of a run's output. */
  stamp?: (run: RunRecord) => string;
  /** Logs kept in a shared store (read from there, whichever host ran the step); else the log files. */
  logs?: StoredLogs;
}

/** Prints a task's logs as `task logs` shows them: each run's text under its header. */
export class TaskLogPrinter implements TaskLogSink {
  private readonly cursor: TaskLogCursor;
  private readonly prefixers = new Map<string, LinePrefixer>();
  /** The run whose header or output was printed last. */
  private current: string | undefined;
  private lineEnded = true;

  constructor(private readonly opts: TaskLogPrinterOptions) {
    this.cursor = new TaskLogCursor(this, opts.logs);
  }

  /** Prints every run's output from where the last call stopped (from the start, the first time). */
  poll(runs: readonly RunRecord[]): Promise<void> {
    return this.cursor.poll(runs);
  }

  /** Prints the last `n` lines of the task's output; following afterwards continues from there. */
  tail(runs: readonly RunRecord[], n: number): Promise<void> {
    return this.cursor.tail(runs, n);
  }

  /** Ends a line left open by a log that did not end with a newline. */
  async finish(): Promise<void> {
    if (!this.lineEnded) await this.write("\n");
    this.lineEnded = true;
  }

  announce(run: RunRecord): Promise<void> {
    return this.switchTo(run);
  }

  async text(run: RunRecord, text: string): Promise<void> {
    if (text === "") return;
    if (this.current !== run.id) await this.switchTo(run);
    const prefixer = this.prefixer(run);
    await this.write(prefixer ? prefixer.apply(text) : text);
  }

  private prefixer(run: RunRecord): LinePrefixer | undefined {
    const stamp = this.opts.stamp;
    if (!stamp) return undefined;
    let p = this.prefixers.get(run.id);
    if (!p) this.prefixers.set(run.id, (p = new LinePrefixer(() => stamp(run))));
    return p;
  }

  private async switchTo(run: RunRecord): Promise<void> {
    await this.finish();
    await this.write(runHeader(run, run.itemId ? this.opts.itemPath(run.itemId) : undefined));
    this.current = run.id;
  }

  private async write(text: string): Promise<void> {
    await this.opts.out(text);
    if (text !== "") this.lineEnded = text.endsWith("\n");
  }
}
