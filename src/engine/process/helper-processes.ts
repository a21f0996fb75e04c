/**
 * @module Finding the process-host helper an engine process started (see
 * process-host.ts), by the engine's pid it is given as its argument: after
 * the engine died, its helper may still be ending the engine's steps, and a
 * controller recovering them waits for it. Node built-ins only, so the
 * commands that recover tasks stay quick to start.
 */
import { readdirSync, readFileSync } from "node:fs";
import { isProcessAlive } from "./process-group.js";

/** The helper's entry point, next to this module. */
export const HELPER_ENTRY = "process-host-entry.cjs";

/** The helper processes engine `enginePid` started that still run. Empty without /proc. */
export function helpersOf(enginePid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  // argv is NUL-separated: `node .../process-host-entry.cjs <enginePid>`.
  const wanted = `${HELPER_ENTRY}\0${enginePid}\0`;
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(wanted) && isProcessAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}
