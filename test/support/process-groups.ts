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
