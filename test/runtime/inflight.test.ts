/**
 * safety.inflight_wait_timeout_secs and inflight_heartbeat_grace_secs: a
 * step's process group left running when its controller stopped is waited
 * for (while it shows signs of life) before recovery ends it. The "left
 * running" process is a real process group started here, recorded on a run
 * as a dead controller would have left it.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isProcessGroupAlive } from "../../src/engine/process/process-group.js";
import { waitForInflight } from "../../src/runtime/inflight.js";
import { recoverTask } from "../../src/runtime/recovery.js";
import { openTaskStore } from "../../src/store/task-store.js";
import { newStore, removeTempDirs, tempDir, write } from "../store/helpers.js";
import { killLeftoverGroups } from "../support/process-groups.js";

const groups: number[] = [];
afterEach(() => {
  killLeftoverGroups(groups);
  removeTempDirs();
});

/** A shell in its own process group, as a step is started. */
function leftRunning(script: string): number {
  const child = spawn("/bin/sh", ["-c", script], { detached: true, stdio: "ignore" });
  child.unref();
  groups.push(child.pid!);
  return child.pid!;
}

describe("waitForInflight", () => {
  it("does not wait without settings, or for a group that is gone", async () => {
    const pgid = leftRunning("sleep 30");
    expect(await waitForInflight({ pgid, logPath: null }, undefined)).toBe("not-waited");
    expect(isProcessGroupAlive(pgid)).toBe(true);
  });

  it("waits while the group works, until it ends on its own", async () => {
    const dir = tempDir();
    // Busy for a second or two (CPU time is its heartbeat), then writes a marker and exits.
    const pgid = leftRunning(`end=$(($(date +%s) + 2)); while [ $(date +%s) -lt $end ]; do :; done; touch ${join(dir, "done")}`);
    expect(await waitForInflight({ pgid, logPath: null }, { timeoutSecs: 30, graceSecs: 1 }, 50)).toBe("finished");
    expect(existsSync(join(dir, "done"))).toBe(true);
  });

  it("stops waiting for a silent group after the grace period, well before the timeout", async () => {
    const pgid = leftRunning("sleep 30");
    const t0 = Date.now();
    expect(await waitForInflight({ pgid, logPath: null }, { timeoutSecs: 30, graceSecs: 1 }, 50)).toBe("silent");
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(isProcessGroupAlive(pgid)).toBe(true);
  });

  it("stops at the timeout for a group that keeps working", async () => {
    const pgid = leftRunning("while :; do :; done");
    expect(await waitForInflight({ pgid, logPath: null }, { timeoutSecs: 1, graceSecs: 0 }, 50)).toBe("timed-out");
  });
});

describe("recovery with inflight settings", () => {
  const setup = (safety: Record<string, number>) => {
    const { store } = newStore();
    store.commit([{ op: "create", resource: write("Workflow", "wf", { steps: [{ id: "s", command: "true" }], safety }) }], "test");
    const tasks = openTaskStore(store);
    const task = tasks.createTask({ name: "t", project: "default", origin: "cli", workflow: "wf", workspace: null, goal: "", spec: { steps: [], vars: {}, targetFiles: [] }, queued: true });
    // Claimed by a controller of this host that is gone: a step of another host's could not be waited for or ended from here.
    tasks.updateTask(task.id, { phase: "Running", claimedBy: `${hostname()}:2147483646:w0` });
    const run = tasks.createRun({ taskId: task.id, itemId: null, stepId: "s", cycle: 1, agent: null, command: "command", logPath: null, status: "running" });
    return { store, tasks, task, run };
  };

  it("lets a step still at work finish before the task is queued again, and says so", async () => {
    const { store, tasks, task, run } = setup({ inflight_wait_timeout_secs: 30, inflight_heartbeat_grace_secs: 2 });
    const dir = tempDir();
    const pgid = leftRunning(`end=$(($(date +%s) + 2)); while [ $(date +%s) -lt $end ]; do :; done; touch ${join(dir, "done")}`);
    tasks.setRunProcess(run.id, pgid, pgid);
    const r = await recoverTask(store, tasks, task.id, "test");
    expect(existsSync(join(dir, "done"))).toBe(true);
    expect(r.task.phase).toBe("Pending");
    expect(tasks.getRun(run.id)!.reason).toContain("waited for it to finish");
  });

  it("without the settings ends it at once", async () => {
    const { store, tasks, task, run } = setup({});
    const dir = tempDir();
    const pgid = leftRunning(`sleep 20; touch ${join(dir, "done")}`);
    tasks.setRunProcess(run.id, pgid, pgid);
    await recoverTask(store, tasks, task.id, "test");
    expect(isProcessGroupAlive(pgid)).toBe(false);
    expect(existsSync(join(dir, "done"))).toBe(false);
    expect(tasks.getRun(run.id)!.reason).toBe("the controller running this step stopped unexpectedly");
  });
});
