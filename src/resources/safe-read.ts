/**
 * @module Reading a manifest file without trusting what the path points
 * at. A manifest tree is written by others: a `.yaml` name may be a symbolic
 * link to `/dev/zero` (endless bytes), a FIFO (an open that blocks for ever),
 * a socket or a directory. Only regular files are read, and only up to a
 * size limit; anything else is refused with an error that names the path and
 * says what it is. The type is checked with stat() before the file is opened
 * (a FIFO is never opened), and again with fstat() on the opened descriptor,
 * opened non-blocking, so a file swapped in between cannot hang the reader.
 */
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, statSync, type Stats } from "node:fs";

/** The largest manifest file read (64 MiB): a larger one is refused with an error naming it. */
export const MAX_MANIFEST_FILE_BYTES = 64 * 1024 * 1024;

export type ReadRefusal = { reason: "not-found" | "loop" | "not-regular" | "too-large" | "io"; message: string; hint?: string };

/** A regular file's bytes, or why they were not read. */
export function readRegularFile(abs: string, shown: string, maxBytes = MAX_MANIFEST_FILE_BYTES): Buffer | ReadRefusal {
  const type = regularFileCheck(abs, shown, maxBytes);
  if (type) return type;
  let fd: number;
  try {
    // O_NONBLOCK: should the path have become a FIFO since the stat, the open returns at once.
    fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    return ioRefusal(abs, shown, err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return notRegular(abs, shown, st);
    if (st.size > maxBytes) return tooLarge(shown, st.size, maxBytes);
    return readUpTo(fd, maxBytes, shown);
  } catch (err) {
    return { reason: "io", message: `cannot read '${shown}': ${(err as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

/** Why `abs` is not a regular file that may be read, or undefined when it is one. */
export function regularFileCheck(abs: string, shown: string, maxBytes = MAX_MANIFEST_FILE_BYTES): ReadRefusal | undefined {
  let st: Stats;
  try {
    st = statSync(abs);
  } catch (err) {
    return ioRefusal(abs, shown, err);
  }
  if (!st.isFile()) return notRegular(abs, shown, st);
  if (st.size > maxBytes) return tooLarge(shown, st.size, maxBytes);
  return undefined;
}

/** Reads until end of file, refusing more than `maxBytes` (a file may grow while it is read). */
export function readUpTo(fd: number, maxBytes: number, shown: string): Buffer | ReadRefusal {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (err) {
      // A non-blocking descriptor with nothing to read yet: wait for it (stdin from a slow pipe).
      if ((err as NodeJS.ErrnoException).code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      throw err;
    }
    if (n === 0) break;
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    total += n;
    if (total > maxBytes) return tooLarge(shown, total, maxBytes, true);
  }
  return Buffer.concat(chunks, total);
}

/** What a path is, in words: "a FIFO (named pipe)", "a character device", ... */
export function describeFileType(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSymbolicLink()) return "a symbolic link";
  return st.isFile() ? "a regular file" : "not a regular file";
}

function notRegular(abs: string, shown: string, st: Stats): ReadRefusal {
  const link = linkTarget(abs);
  const through = link ? ` (a symbolic link to ${link})` : "";
  return {
    reason: "not-regular",
    message: `'${shown}'${through} is ${describeFileType(st)}, not a regular file; only regular files are read as manifests`,
    hint: st.isDirectory() ? "rename it so it does not end in .yaml or .yml" : "remove it, or replace it with a regular YAML file",
  };
}

function tooLarge(shown: string, size: number, max: number, atLeast = false): ReadRefusal {
  return {
    reason: "too-large",
    message: atLeast ? `'${shown}' is more than ${mib(max)} MiB, the limit for one manifest file` : `'${shown}' is ${mib(size)} MiB, over the limit of ${mib(max)} MiB for one manifest file`,
    hint: "split it into several files (one file may hold many documents; a directory may hold many files)",
  };
}

function ioRefusal(abs: string, shown: string, err: unknown): ReadRefusal {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ELOOP") {
    return { reason: "loop", message: `'${shown}' is a symbolic link loop (ELOOP): following it leads back to itself`, hint: "fix or remove the symbolic link" };
  }
  if (code === "ENOENT") {
    const link = linkTarget(abs);
    if (link) return { reason: "not-found", message: `'${shown}' is a symbolic link to ${link}, which does not exist`, hint: "fix or remove the symbolic link" };
    return { reason: "not-found", message: `'${shown}' does not exist` };
  }
  return { reason: "io", message: `cannot read '${shown}': ${(err as Error).message}` };
}

function linkTarget(abs: string): string | undefined {
  try {
    return readlinkSync(abs);
  } catch {
    return undefined;
  }
}

function mib(bytes: number): string {
  const m = bytes / (1024 * 1024);
  return Number.isInteger(m) ? String(m) : m.toFixed(1);
}
