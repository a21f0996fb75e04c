import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isProcessGroupAlive } from "../../../src/engine/process/process-group.js";
import { RUN_ID_ENV } from "../../../src/engine/process/run-process.js";
import { SupervisedGroups } from "../../../src/engine/process/supervised-groups.js";
import { until } from "../../support/controller.js";
import { killLeftoverGroups } from "../../support/process-groups.js";

const leftovers: number[] = [];
afterEach(() => killLeftoverGroups(leftovers));

/** `sh -c script` leading its own group, as a step runs; resolves once it printed its first line. */
async function group(script: string, env: Record<string, string> = {}): Promise<number> {
  const child = spawn("/bin/sh", ["-c", script], { detached: true, stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, ...env } });
  await once(child.stdout!, "data");
  child.stdout!.destroy();
  child.unref();
  leftovers.push(child.pid!);
  return child.pid!;
}

describe("SupervisedGroups.endAll", () => {
  it("ends every known group, its descendants included, and notes it in the command's log", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orch-supervised-"));
    try {
      const groups = new SupervisedGroups();
      const pgid = await group("sleep 100 & echo ready; wait");
      groups.expect("a", { logPath: join(dir, "a.log") });
      groups.started("a", pgid);
      await groups.endAll(2000);
      expect(isProcessGroupAlive(pgid)).toBe(false);
      expect(readFileSync(join(dir, "a.log"), "utf8")).toContain(`[orchestrator] the engine process running this step stopped; stopping the step's processes (process group ${pgid})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sends SIGKILL to a group that ignores SIGTERM once the grace period is over", async () => {
    const groups = new SupervisedGroups();
    const pgid = await group("trap '' TERM; echo ready; while :; do sleep 0.05; done");
    groups.started("a", pgid);
    await groups.endAll(300);
    await until("the group to die", () => !isProcessGroupAlive(pgid), 5000);
  });

  it("finds a command expected but never reported started, by the run id in its environment, even when it starts late", async () => {
    const groups = new SupervisedGroups();
    const runId = `r-test-${process.pid}-${Date.now()}`;
    groups.expect("a", { runId });
    // Started while the groups are being ended, as a command between fork and exec would be.
    const ending = groups.endAll(2500);
    const pgid = await group("echo ready; sleep 100", { [RUN_ID_ENV]: runId });
    await ending;
    await until("the late group to die", () => !isProcessGroupAlive(pgid), 5000);
  });

  it("leaves alone what was released", async () => {
    const groups = new SupervisedGroups();
    const pgid = await group("echo ready; sleep 100");
    groups.started("a", pgid);
    groups.release("a");
    expect(groups.size).toBe(0);
    await groups.endAll(200);
    expect(isProcessGroupAlive(pgid)).toBe(true);
  });
});
