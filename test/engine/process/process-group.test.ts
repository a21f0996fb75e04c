import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import {
  isProcessAlive,
  isProcessGroupAlive,
  killProcessGroup,
  processGroupsWithEnv,
  terminateProcessGroup,
} from "../../../src/engine/process/process-group.js";
import { until } from "../../support/controller.js";

/** Starts `sh -c script` as its own group, as a controller would; returns its pid and the first line it prints. */
async function startGroup(script: string, env: Record<string, string> = {}): Promise<{ pgid: number; firstLine: string }> {
  const child = spawn("/bin/sh", ["-c", script], { detached: true, stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, ...env } });
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
    // A grace period no busy machine outlasts: SIGTERM alone must end it.
    expect(await terminateProcessGroup(pgid, { graceMs: 30_000 })).toBe("terminated");
    expect(isProcessAlive(grandchild)).toBe(false);
    expect(isProcessGroupAlive(pgid)).toBe(false);
    expect(await terminateProcessGroup(pgid)).toBe("not-running");
  });

  it("terminateProcessGroup falls back to SIGKILL when SIGTERM is ignored", async () => {
    const { pgid } = await startGroup("trap '' TERM; echo ready; sleep 100 & wait");
    expect(await terminateProcessGroup(pgid, { graceMs: 200 })).toBe("killed");
    // SIGKILL lands when the kernel next schedules the group.
    await until("the group to be gone", () => !isProcessGroupAlive(pgid));
  });

  it("isProcessAlive is false for an exited process even while it is an unreaped zombie", async () => {
    const orphan = Number(execFileSync("/bin/sh", ["-c", "sleep 100 >/dev/null 2>&1 & echo $!"]).toString().trim());
    expect(isProcessAlive(orphan)).toBe(true);
    process.kill(orphan, "SIGKILL");
    // Its parent shell is gone, so nobody here reaps it: it is a zombie (or reaped by init) once the kill lands.
    await until("the orphan to be dead", () => !isProcessAlive(orphan));
  });

  it("killProcessGroup reports a group that no longer exists and refuses pgid 0 and 1", () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(killProcessGroup(2 ** 22 + 12345, "SIGTERM")).toBe(false);
    expect(() => killProcessGroup(1)).toThrow(RangeError);
    expect(() => killProcessGroup(0)).toThrow(RangeError);
  });

  it("processGroupsWithEnv finds the groups whose processes were started with a variable set to a value, and only those", async () => {
    const value = `r-${process.pid}-${Date.now()}`;
    const a = await startGroup("echo ready; sleep 100", { ORCHESTRATOR_TEST_MARK: value });
    const b = await startGroup("echo ready; sleep 100", { ORCHESTRATOR_TEST_MARK: `${value}x` });
    try {
      expect(processGroupsWithEnv("ORCHESTRATOR_TEST_MARK", value)).toEqual([a.pgid]);
      expect(processGroupsWithEnv("TEST_MARK", value)).toEqual([]);
    } finally {
      killProcessGroup(a.pgid, "SIGKILL");
      killProcessGroup(b.pgid, "SIGKILL");
    }
  });
});
