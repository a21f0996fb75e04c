/**
 * @module Reading step logs for `task logs`: a header per run, whole logs in
 * chunks, the last N lines read backwards from the end of the file (never
 * the whole file), following appended bytes, and `--timestamps` prefixes.
 * Only node built-ins: this sits on the `task logs --tail` fast path.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import type { StringDecoder } from "node:string_decoder";
import type { RunRecord } from "../../store/task-store.js";

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/** `builtin:loop_guard` -> `loop_guard`: a builtin step's run records its builtin as its command. */
export function builtinOf(run: Pick<RunRecord, "command">): string | undefined {
  return run.command?.startsWith("builtin:") ? run.command.slice("builtin:".length) : undefined;
}

/**
 * `==> step plan [docs/qa/a.md] (run r-…, agent planner) <==`, as `tail`
 * heads each file. A run that has no log (a skipped or builtin step) says
 * how it ended instead.
 */
export function runHeader(run: RunRecord, itemPath: string | undefined): string {
  const item = run.itemId ? ` [${itemPath ?? run.itemId}]` : "";
  const facts = [`run ${run.id}`];
  if (run.agent) facts.push(`agent ${run.agent}`);
  const builtin = builtinOf(run);
  if (builtin) facts.push(`builtin ${builtin}`);
  if (run.status === "skipped" || (!run.logPath && run.finishedAt !== null)) facts.push(`${run.status}${run.reason ? `: ${run.reason}` : ""}`);
  return `==> step ${run.stepId}${item} (${facts.join(", ")}) <==\n`;
}

export interface TailResult {
  lines: string[];
  /** The file size the lines were read up to (where following continues). */
  size: number;
}

/**
 * The last `n` lines of a file, reading 64 KiB chunks backwards from its end
 * until enough newlines are seen. A missing file has no lines.
 */
export function readLastLines(path: string, n: number): TailResult {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return { lines: [], size: 0 };
  }
  try {
    const size = fstatSync(fd).size;
    if (n <= 0 || size === 0) return { lines: [], size };
    const chunks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    // n lines need n + 1 newlines when the file ends with one: the one before the first line.
    while (pos > 0 && newlines <= n) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const buf = Buffer.allocUnsafe(len);
      const read = readSync(fd, buf, 0, len, pos);
      const chunk = buf.subarray(0, read);
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === NEWLINE) newlines++;
      chunks.unshift(chunk);
    }
    const lines = Buffer.concat(chunks).toString("utf8").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    // Reading stopped mid-line unless it reached the start: that partial first line is dropped by slice.
    return { lines: lines.slice(-n), size };
  } finally {
    closeSync(fd);
  }
}

/** Prefixes every line start with a stamp, across chunks that split lines anywhere. */
export class LinePrefixer {
  private atLineStart = true;

  constructor(private readonly stamp: () => string) {}

  apply(text: string): string {
    if (text === "") return text;
    let out = "";
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      const end = nl === -1 ? text.length : nl + 1;
      if (end > start) {
        if (this.atLineStart) out += `${this.stamp()} `;
        out += text.slice(start, end);
        this.atLineStart = nl !== -1;
      }
      if (nl === -1 || end >= text.length) break;
      start = end;
    }
    return out;
  }

  /** True when the last text written ended a line (or nothing was written). */
  get lineEnded(): boolean {
    return this.atLineStart;
  }
}

/**
 * Reads `path` from byte `from` to its current end in chunks, handing each
 * decoded chunk to `out`. Returns the offset reached (unchanged when the
 * file is missing). The decoder keeps a UTF-8 sequence split across reads whole.
 */
export function readFrom(path: string, from: number, decoder: StringDecoder, out: (text: string) => void): number {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return from;
  }
  try {
    const size = fstatSync(fd).size;
    let pos = from;
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, size - from)));
    while (pos < size) {
      const read = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
      if (read === 0) break;
      pos += read;
      const text = decoder.write(buf.subarray(0, read));
      if (text) out(text);
    }
    return pos;
  } finally {
    closeSync(fd);
  }
}

/** The current size of a file, 0 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
