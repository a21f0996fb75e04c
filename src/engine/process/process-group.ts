/**
 * @module Process and process-group liveness and termination by id, for a
 * running step and for a later controller cleaning up after a crashed one.
 */
import { readFileSync, readdirSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

/** The environment variable naming the run a step's processes belong to: how they are found when their group id is not known. */
export const RUN_ID_ENV = "ORCHESTRATOR_RUN_ID";

/** Signals this module sends; SIGKILL cannot be caught, so it ends a group for sure. */
export type KillSignal = "SIGTERM" | "SIGKILL" | "SIGINT" | "SIGHUP";

/**
 * Sends `signal` to every process in group `pgid`. Returns false when the
 * group no longer exists. Refuses pgid <= 1: `kill(-1)` would signal every
 * process we may signal, and `kill(-0)` our own group.
 */
export function killProcessGroup(pgid: number, signal: KillSignal = "SIGTERM"): boolean {
  assertPositiveId(pgid, "pgid");
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if (errnoOf(err) === "ESRCH") return false;
    throw err;
  }
}

/**
 * True when `pid` names a running process. A zombie counts as gone: it has
 * exited and only waits to be reaped, which never happens in containers whose
 * init does not reap orphans.
 */
export function isProcessAlive(pid: number): boolean {
  assertPositiveId(pid, "pid");
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return errnoOf(err) === "EPERM";
  }
  const state = procState(pid);
  return state !== "Z" && state !== "X";
}

/** True when any live (non-zombie) process is still in group `pgid`. */
export function isProcessGroupAlive(pgid: number): boolean {
  assertPositiveId(pgid, "pgid");
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return errnoOf(err) === "EPERM";
  }
  const members = procGroupMembers(pgid);
  // No /proc (macOS): kill(-pgid, 0) succeeding is all we know.
  if (members === undefined) return true;
  return members.some((m) => m.state !== "Z" && m.state !== "X");
}

export interface TerminateGroupOptions {
  /** How long SIGTERM gets before SIGKILL. Default 5000 ms. */
  graceMs?: number;
  /** Poll interval while waiting for the group to exit. Default 50 ms. */
  pollMs?: number;
}

/** What `terminateProcessGroup` had to do. */
export type TerminateOutcome = "not-running" | "terminated" | "killed";

/**
 * SIGTERM to the group, SIGKILL after the grace period if anything in it is
 * still alive. For groups we did not spawn (crash recovery), so it polls
 * instead of waiting on an exit event.
 */
export async function terminateProcessGroup(
  pgid: number,
  options: TerminateGroupOptions = {},
): Promise<TerminateOutcome> {
  const graceMs = options.graceMs ?? 5000;
  const pollMs = options.pollMs ?? 50;
  if (!isProcessGroupAlive(pgid)) return "not-running";
  if (!killProcessGroup(pgid, "SIGTERM")) return "not-running";
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isProcessGroupAlive(pgid)) return "terminated";
    await delay(pollMs);
  }
  killProcessGroup(pgid, "SIGKILL");
  // SIGKILL cannot be refused, but dying takes a moment: the caller may start the same work again next.
  const killDeadline = Date.now() + Math.max(graceMs, 1000);
  while (isProcessGroupAlive(pgid) && Date.now() < killDeadline) await delay(Math.min(pollMs, 20));
  return "killed";
}

/**
 * The process groups holding a process whose environment has `name=value`
 * (read from /proc/<pid>/environ, which holds the environment a process was
 * started with): how a step is found when its group id was never recorded.
 * Our own process and group are left out. Empty without /proc.
 */
export function processGroupsWithEnv(name: string, value: string): number[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const needle = Buffer.from(`${name}=${value}\0`);
  const ownGroup = readProcStat(process.pid)?.pgrp;
  const groups = new Set<number>();
  for (const entry of names) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${entry}/environ`);
    } catch {
      // Gone meanwhile, or another user's.
      continue;
    }
    if (!environStartsOrHas(environ, needle)) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.pgrp > 1 && stat.pgrp !== ownGroup && stat.state !== "Z" && stat.state !== "X") groups.add(stat.pgrp);
  }
  return [...groups];
}

/** `needle` (`NAME=value\0`) as a whole entry of a NUL-separated environment block. */
function environStartsOrHas(environ: Buffer, needle: Buffer): boolean {
  for (let at = environ.indexOf(needle); at !== -1; at = environ.indexOf(needle, at + 1)) {
    if (at === 0 || environ[at - 1] === 0) return true;
  }
  return false;
}

interface ProcEntry {
  pid: number;
  state: string;
  pgrp: number;
}

/** Parses /proc/<pid>/stat; the command name may contain spaces and parens. */
function readProcStat(pid: number): ProcEntry | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = rest[0];
  const pgrp = Number(rest[2]);
  if (state === undefined || !Number.isFinite(pgrp)) return undefined;
  return { pid, state, pgrp };
}

function procState(pid: number): string | undefined {
  return readProcStat(pid)?.state;
}

/** Members of a group from /proc, or undefined when /proc is unavailable. */
function procGroupMembers(pgid: number): ProcEntry[] | undefined {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const members: ProcEntry[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readProcStat(Number(name));
    if (entry && entry.pgrp === pgid) members.push(entry);
  }
  return members;
}

function assertPositiveId(id: number, what: string): void {
  if (!Number.isInteger(id) || id <= 1) {
    throw new RangeError(`${what} must be an integer greater than 1, got ${id}`);
  }
}

function errnoOf(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err
    ? String((err as { code: unknown }).code)
    : undefined;
}
