import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initHome } from "../../../src/store/home.js";
import { openSqliteStore } from "../../../src/store/sqlite/open.js";
import type { NewTask } from "../../../src/store/task-store.js";
import { compiledStore, REPO, removeTempDirs, tempDir } from "../helpers.js";

const CLAIMER = join(REPO, "test/fixtures/store/task-claimer.mjs");
const TASKS = 60;
const WORKERS = ["w1", "w2", "w3"];

let storeJs: string;
beforeAll(() => {
  storeJs = compiledStore();
});
afterAll(removeTempDirs);

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runClaimer(root: string, worker: string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLAIMER, storeJs, root, worker, WORKERS.join(",")], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const newTask = (i: number): NewTask => ({
  name: `job-${i}`,
  project: "default",
  origin: "cli",
  workflow: "wf",
  workspace: "ws",
  goal: `goal ${i}`,
  spec: { steps: [], vars: {}, targetFiles: [] },
  queued: true,
});

describe("claimNextTask across processes", () => {
  it(`${WORKERS.length} processes draining ${TASKS} queued tasks claim each exactly once, with no SQLITE_BUSY`, async () => {
    const root = tempDir();
    const { home } = initHome(root, {});
    const setup = openSqliteStore(home);
    const created = Array.from({ length: TASKS }, (_, i) => setup.taskStore().createTask(newTask(i)).id);
    setup.close();

    // All start at the same instant, once node and the store have loaded in each of them.
    const running = Promise.all(WORKERS.map((w) => runClaimer(root, w)));
    while (!WORKERS.every((w) => existsSync(join(root, `ready-${w}`)))) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(join(root, "go"), "");
    const exits = await running;
    for (const e of exits) {
      expect(e.stderr).not.toMatch(/SQLITE_BUSY|database is locked/);
      expect(e.stderr).toBe("");
      expect(e.code).toBe(0);
    }
    const claimedBy = new Map<string, string[]>();
    exits.forEach((e, i) => claimedBy.set(WORKERS[i]!, JSON.parse(e.stdout) as string[]));
    const all = [...claimedBy.values()].flat();
    expect(all).toHaveLength(TASKS);
    expect(new Set(all)).toEqual(new Set(created));
    // The processes really contended: the queue was shared, not drained by one.
    expect([...claimedBy.values()].every((ids) => ids.length > 0)).toBe(true);

    const store = openSqliteStore(home);
    const tasks = store.taskStore();
    for (const [worker, ids] of claimedBy) {
      for (const id of ids) expect(tasks.getTask(id)).toMatchObject({ claimedBy: worker, phase: "Completed", queued: false });
      // Each worker took tasks in queue order.
      expect(ids).toEqual([...ids].sort((a, b) => created.indexOf(a) - created.indexOf(b)));
    }
    expect(store.listEvents({ type: "task_started" })).toHaveLength(TASKS);
    expect(new Set(store.listEvents({ type: "task_started" }).map((e) => e.taskId))).toEqual(new Set(created));
    expect(store.listEvents({ type: "run_result" })).toHaveLength(TASKS);
    expect(store.listEvents({ type: "task_completed" })).toHaveLength(TASKS);
    expect(tasks.claimNextTask("late")).toBeUndefined();
    store.close();
  }, 120_000);
});
