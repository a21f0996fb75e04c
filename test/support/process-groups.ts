import { readdirSync, readFileSync } from "node:fs";
import { killProcessGroup } from "../../src/engine/process/process-group.js";

/** Kills the process groups a test started (and empties the list), whether or not the test ended them. */
export function killLeftoverGroups(pgids: number[]): void {
  for (const pgid of pgids.splice(0)) {
    try {
      killProcessGroup(pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/**
 * The process-host helper an engine process started (its child running
 * process-host-entry.cjs), which ends the engine's steps when it dies: a test
 * that needs a step to outlive its controller kills this first.
 */
export function helperOf(enginePid: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === enginePid && cmdline.includes("process-host-entry.cjs")) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}
