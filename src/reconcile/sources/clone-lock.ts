/**
 * @module One process at a time in a source's clone: `sync` and a running
 * controller may both fetch the same remote, and two checkouts in one
 * working tree would corrupt each other. A lock left by a dead process is
 * taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isProcessAlive } from "../../engine/process/process-group.js";

export class CloneLockTimeoutError extends Error {
  override readonly name = "CloneLockTimeoutError";
}

/** Locks this process holds, so one of ours is never mistaken for a dead process's. */
const held = new Set<string>();

export async function withCloneLock<T>(cloneDir: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const lockPath = `${cloneDir}.lock`;
  mkdirSync(dirname(cloneDir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!held.has(lockPath) && tryCreate(lockPath)) break;
    if (holderDead(lockPath)) {
      unlinkQuietly(lockPath);
      continue;
    }
    if (Date.now() > deadline) {
      throw new CloneLockTimeoutError(`${lockPath} is held by another process (pid ${readPid(lockPath) ?? "?"}) for over ${timeoutMs} ms`);
    }
    await sleep(100);
  }
  held.add(lockPath);
  try {
    return await fn();
  } finally {
    held.delete(lockPath);
    unlinkQuietly(lockPath);
  }
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    writeSync(fd, String(process.pid));
  } finally {
    closeSync(fd);
  }
  return true;
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function holderDead(path: string): boolean {
  if (held.has(path)) return false;
  const pid = readPid(path);
  // An empty file is a lock being written right now. Our own pid on a lock we do not hold is a dead process's.
  return pid !== undefined && (pid === process.pid || !isProcessAlive(pid));
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
