import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  isProcessAlive,
  isProcessGroupAlive,
  killProcessGroup,
  terminateProcessGroup,
} from "../../../src/engine/process/process-group.js";

/** Starts `sh -c script` as its own group, as a controller would; returns its pid and the first line it prints. */
async function startGroup(script: string): Promise<{ pgid: number; firstLine: string }> {
  const child = spawn("/bin/sh", ["-c", script], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
  const [data] = (await once(child.stdout!, "data")) as [Buffer];
  child.stdout!.destroy();
  child.unref();
  return { pgid: child.pid!, firstLine: data.toString().trim() };
}

describe("process groups", () => {
  it("terminateProcessGroup stops an orphaned group a dead controller left behind", async () => {
    const { pgid, firstLine } = await startGroup("sleep 100 & echo $!; sleep 100");
    const grandchild = Number(firstLine);
    expect(isProcessGroupAlive(pgid)).toBe(true);
    expect(await terminateProcessGroup(pgid, { graceMs: 2000 })).toBe("terminated");
    expect(isProcessAlive(grandchild)).toBe(false);
    expect(isProcessGroupAlive(pgid)).toBe(false);
    expect(await terminateProcessGroup(pgid)).toBe("not-running");
  });

  it("terminateProcessGroup falls back to SIGKILL when SIGTERM is ignored", async () => {
    const { pgid } = await startGroup("trap '' TERM; echo ready; sleep 100 & wait");
    expect(await terminateProcessGroup(pgid, { graceMs: 200 })).toBe("killed");
    await sleep(50);
    expect(isProcessGroupAlive(pgid)).toBe(false);
  });

  it("isProcessAlive is false for an exited process even while it is an unreaped zombie", () => {
    const orphan = Number(execFileSync("/bin/sh", ["-c", "sleep 100 >/dev/null 2>&1 & echo $!"]).toString().trim());
    expect(isProcessAlive(orphan)).toBe(true);
    process.kill(orphan, "SIGKILL");
    const deadline = Date.now() + 2000;
    while (isProcessAlive(orphan) && Date.now() < deadline) {
      // spin briefly: the kernel marks it dead within microseconds
    }
    expect(isProcessAlive(orphan)).toBe(false);
  });

  it("killProcessGroup reports a group that no longer exists and refuses pgid 0 and 1", () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(killProcessGroup(2 ** 22 + 12345, "SIGTERM")).toBe(false);
    expect(() => killProcessGroup(1)).toThrow(RangeError);
    expect(() => killProcessGroup(0)).toThrow(RangeError);
  });
});
