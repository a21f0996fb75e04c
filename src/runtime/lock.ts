/**
 * @module The single-controller lock: `controller.lock` in the state directory
 * names the controller that owns the store; a lock left by a dead process is
 * taken over.
 */
import { randomUUID } from "node:crypto";
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { isProcessAlive } from "../engine/process/process-group.js";

export const CONTROLLER_LOCK_FILE = "controller.lock";

/** A takeover guard older than this belongs to a contender that died mid-takeover. */
const TAKEOVER_GUARD_STALE_MS = 10_000;

/**
 * An unreadable lock younger than this may be one being written (the O_EXCL
 * fallback creates the file, then writes it); older, it is debris.
 */
const UNREADABLE_GRACE_MS = 2000;

export interface ControllerLockInfo {
  pid: number;
  hostname: string;
  /** When the lock was taken (ISO 8601). */
  startedAt: string;
  /**
   * The holder's start time from /proc (clock ticks since boot), so a dead
   * controller's pid reused by an unrelated process is not mistaken for it.
   */
  processStart?: string;
  /** Distinguishes two acquisitions by the same pid. */
  token: string;
}

export interface ControllerLockState extends ControllerLockInfo {
  /** False when the holder is known to be gone (the lock is stale). */
  alive: boolean;
}

export interface ControllerLockHeld {
  acquired: true;
  info: ControllerLockInfo;
  /** Removes the lock if it is still ours. Synchronous, so it can run in an exit handler. */
  release(): void;
}

export interface ControllerLockBusy {
  acquired: false;
  heldBy: number;
  info: ControllerLockState;
}

export type ControllerLockResult = ControllerLockHeld | ControllerLockBusy;

/**
 * Takes the controller lock in `dir` (the `.orchestrator` directory), or
 * reports who holds it. Creation is atomic (a complete file is hard-linked
 * into place, failing if one exists), so a reader never sees a half-written
 * lock and two controllers can never both succeed.
 */
export function acquireControllerLock(dir: string): ControllerLockResult {
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, CONTROLLER_LOCK_FILE);
  const info: ControllerLockInfo = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    token: randomUUID(),
  };
  const processStart = readProcessStart(process.pid);
  if (processStart !== undefined) info.processStart = processStart;

  for (let attempt = 0; attempt < 20; attempt++) {
    if (createExclusive(dir, lockPath, info)) {
      return { acquired: true, info, release: () => releaseIfOwned(lockPath, info.token) };
    }
    const current = readLockFile(lockPath);
    if (current.kind === "none") continue; // released between our two calls
    if (current.kind === "unreadable") {
      if (current.ageMs < UNREADABLE_GRACE_MS) sleepSync(25);
      else if (!removeStaleLock(dir, lockPath, null)) sleepSync(25);
      continue;
    }
    if (current.state.alive) return { acquired: false, heldBy: current.state.pid, info: current.state };
    if (!removeStaleLock(dir, lockPath, current.state.token)) sleepSync(25);
  }
  const current = readControllerLock(dir);
  if (current) return { acquired: false, heldBy: current.pid, info: current };
  throw new Error(`could not acquire ${lockPath}: it kept changing; is another controller starting?`);
}

/**
 * The current lock and whether its holder is alive, or undefined when there
 * is none. An empty or corrupt lock names no controller, so it counts as none
 * (the next controller to start takes it over).
 */
export function readControllerLock(dir: string): ControllerLockState | undefined {
  const current = readLockFile(join(dir, CONTROLLER_LOCK_FILE));
  return current.kind === "held" ? current.state : undefined;
}

type LockFile = { kind: "none" } | { kind: "unreadable"; ageMs: number } | { kind: "held"; state: ControllerLockState };

function readLockFile(lockPath: string): LockFile {
  let text: string;
  try {
    text = readFileSync(lockPath, "utf8");
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return { kind: "none" };
    throw err;
  }
  const info = parseLock(text);
  if (info === undefined) return { kind: "unreadable", ageMs: ageMs(lockPath) };
  return { kind: "held", state: { ...info, alive: holderAlive(info) } };
}

function holderAlive(info: ControllerLockInfo): boolean {
  // Another host's pid means nothing here; only a person can say it is dead.
  if (info.hostname !== hostname()) return true;
  if (info.pid <= 1 || !isProcessAlive(info.pid)) return false;
  if (info.processStart !== undefined) {
    const now = readProcessStart(info.pid);
    if (now !== undefined && now !== info.processStart) return false;
  }
  return true;
}

function createExclusive(dir: string, lockPath: string, info: ControllerLockInfo): boolean {
  const tmp = join(dir, `${CONTROLLER_LOCK_FILE}.${process.pid}.${info.token}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
  try {
    linkSync(tmp, lockPath);
    return true;
  } catch (err) {
    const code = errnoOf(err);
    if (code === "EEXIST") return false;
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP") return createWithExcl(lockPath, info);
    throw err;
  } finally {
    unlinkQuietly(tmp);
  }
}

/** For filesystems without hard links: O_EXCL create, then write. */
function createWithExcl(lockPath: string, info: ControllerLockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, "wx", 0o644);
  } catch (err) {
    if (errnoOf(err) === "EEXIST") return false;
    throw err;
  }
  try {
    writeFileSync(fd, `${JSON.stringify(info, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Deletes the stale lock with `staleToken` (null: the unreadable lock), under
 * a short-lived guard file so that two contenders cannot both delete (one of
 * them deleting the other's fresh lock). Returns false when another contender
 * holds the guard.
 */
function removeStaleLock(dir: string, lockPath: string, staleToken: string | null): boolean {
  const guard = join(dir, `${CONTROLLER_LOCK_FILE}.takeover`);
  let fd: number;
  try {
    fd = openSync(guard, "wx", 0o644);
  } catch (err) {
    if (errnoOf(err) !== "EEXIST") throw err;
    if (ageMs(guard) > TAKEOVER_GUARD_STALE_MS) unlinkQuietly(guard);
    return false;
  }
  try {
    closeSync(fd);
    const current = readLockFile(lockPath);
    const stale =
      staleToken === null
        ? current.kind === "unreadable" && current.ageMs >= UNREADABLE_GRACE_MS
        : current.kind === "held" && current.state.token === staleToken && !current.state.alive;
    if (stale) unlinkQuietly(lockPath);
    return true;
  } finally {
    unlinkQuietly(guard);
  }
}

function releaseIfOwned(lockPath: string, token: string): void {
  try {
    const info = parseLock(readFileSync(lockPath, "utf8"));
    if (info?.token === token) unlinkSync(lockPath);
  } catch (err) {
    if (errnoOf(err) !== "ENOENT") throw err;
  }
}

function parseLock(text: string): ControllerLockInfo | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null) return undefined;
    const v = value as Record<string, unknown>;
    if (typeof v.pid !== "number" || typeof v.token !== "string") return undefined;
    const info: ControllerLockInfo = {
      pid: v.pid,
      hostname: typeof v.hostname === "string" ? v.hostname : "",
      startedAt: typeof v.startedAt === "string" ? v.startedAt : "",
      token: v.token,
    };
    if (typeof v.processStart === "string") info.processStart = v.processStart;
    return info;
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat; undefined where there is no /proc. */
function readProcessStart(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Blocks briefly between takeover attempts; acquisition is a startup-time, synchronous step. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function errnoOf(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err
    ? String((err as { code: unknown }).code)
    : undefined;
}
