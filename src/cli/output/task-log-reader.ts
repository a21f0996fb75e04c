/**
 * @module Reading step logs for `task logs`: a header per run, whole logs in
 * chunks, where the last N lines begin (counted backwards from the end of
 * the file, never the whole file), following appended bytes, and
 * `--timestamps` prefixes. Memory stays at a chunk whatever a log's size.
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

export interface LastLines {
  /** Where the last lines begin. */
  start: number;
  /** How many lines there are from `start` (fewer than asked when the file has fewer). */
  lines: number;
  /** The file size they were counted up to (where following continues). */
  size: number;
}

/**
 * Where the last `n` lines of a file begin, found by reading 64 KiB chunks
 * backwards from its end and counting newlines: nothing is kept, so a
 * `--tail` of any size costs one chunk of memory. A missing file has no lines.
 */
export function findLastLines(path: string, n: number): LastLines {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return { start: 0, lines: 0, size: 0 };
  }
  try {
    const size = fstatSync(fd).size;
    if (n <= 0 || size === 0) return { start: size, lines: 0, size };
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, size));
    // A newline ending the file ends its last line; it starts none.
    let end = size;
    if (readSync(fd, buf, 0, 1, size - 1) === 1 && buf[0] === NEWLINE) end = size - 1;
    let pos = end;
    let newlines = 0;
    while (pos > 0) {
      const len = Math.min(buf.length, pos);
      pos -= len;
      const read = readSync(fd, buf, 0, len, pos);
      for (let i = read - 1; i >= 0; i--) {
        if (buf[i] !== NEWLINE) continue;
        // The n-th newline from the end is the one before the first of the last n lines.
        if (++newlines === n) return { start: pos + i + 1, lines: n, size };
      }
    }
    return { start: 0, lines: newlines + 1, size };
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
 * Reads `path` from byte `from` to its current end (or to `to`) in chunks,
 * handing each decoded chunk to `out` and waiting for it when it returns a
 * promise (a slow reader of our output), so memory stays at one chunk
 * whatever the file's size. Returns the offset reached (unchanged when the
 * file is missing). The decoder keeps a UTF-8 sequence split across reads whole.
 */
export async function readFrom(path: string, from: number, decoder: StringDecoder, out: (text: string) => void | Promise<void>, to?: number): Promise<number> {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return from;
  }
  try {
    const size = Math.min(fstatSync(fd).size, to ?? Infinity);
    let pos = from;
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, size - from)));
    while (pos < size) {
      const read = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
      if (read === 0) break;
      pos += read;
      const text = decoder.write(buf.subarray(0, read));
      if (text) await out(text);
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

/** Step logs kept in a shared store (a type only: this module stays on the fast path). */
export type StoredLogs = Pick<import("../../store/step-log-store.js").StepLogStore, "readLog" | "logSize">;

/** As readFrom, for a run's log kept in the store. */
export async function readStoredFrom(logs: StoredLogs, runId: string, from: number, decoder: StringDecoder, out: (text: string) => void | Promise<void>, to?: number): Promise<number> {
  const size = Math.min(logs.logSize(runId), to ?? Infinity);
  let pos = from;
  while (pos < size) {
    const buf = logs.readLog(runId, pos, Math.min(CHUNK, size - pos));
    if (buf.length === 0) break;
    pos += buf.length;
    const text = decoder.write(buf);
    if (text) await out(text);
  }
  return pos;
}

/** As findLastLines, for a run's log kept in the store: read backwards a chunk at a time. */
export function findStoredLastLines(logs: StoredLogs, runId: string, n: number): LastLines {
  const size = logs.logSize(runId);
  if (n <= 0 || size === 0) return { start: size, lines: 0, size };
  let end = size;
  if (logs.readLog(runId, size - 1, 1)[0] === NEWLINE) end = size - 1;
  let pos = end;
  let newlines = 0;
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const buf = logs.readLog(runId, pos, len);
    for (let i = buf.length - 1; i >= 0; i--) {
      if (buf[i] !== NEWLINE) continue;
      if (++newlines === n) return { start: pos + i + 1, lines: n, size };
    }
  }
  return { start: 0, lines: newlines + 1, size };
}
