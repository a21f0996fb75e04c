/**
 * Writes fenced by a controller's lease, on a real PostgreSQL server: once
 * another controller has reaped a lease that ran out, every write of the
 * store object that held it is refused (LeaseLostError, WorkflowStore
 * entries' too), its renewal says the lease is gone, and what the store held
 * is as the reaper left it. Also: processes opening a new database at the
 * same moment migrate it once.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controllerStoreOf, LeaseLostError } from "../../../src/store/controller-store.js";
import { homeAt } from "../../../src/store/home-location.js";
import { openPgStore } from "../../../src/store/postgres/open.js";
import { openTaskStore } from "../../../src/store/task-store.js";
import { openWorkflowStoreEntries } from "../../../src/store/workflow-store-entries.js";
import { CLI } from "../../support/cli.js";
import { until } from "../../support/controller.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../../support/postgres.js";

describe.skipIf(postgresUnavailable !== undefined)("leases on a PostgreSQL store", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  const home = () => homeAt(join(mkdtempSync(join(tmpdir(), "orch-home-")), ".orchestrator"));
  const newTask = (name: string) => ({ name, project: "default", origin: "cli", workflow: null, workspace: null, goal: "", spec: { steps: [], vars: {}, targetFiles: [] }, queued: true });

  it("refuses every write of a controller whose lease another controller reaped", async () => {
    const url = server.createDatabase();
    const mine = openPgStore(url, home());
    const other = openPgStore(url, home());
    try {
      const lease = controllerStoreOf(mine).registerController({ id: "host-a:1:aaa", host: "host-a", pid: 1, workers: 1, role: "controller" }, 1000);
      const tasks = openTaskStore(mine);
      const held = tasks.createTask(newTask("held"));
      expect(tasks.claimNextTask("host-a:1:aaa:w0")?.id).toBe(held.id);
      const entries = openWorkflowStoreEntries(mine);
      entries.putEntry("default", "context", "plan", "while the lease lives", { taskId: held.id });

      // The lease runs out unrenewed; the other controller reaps it (once: a second reap finds nothing).
      const reaper = controllerStoreOf(other);
      let reaped: ReturnType<typeof reaper.reapControllers> = [];
      await until("the lease to be reaped", () => (reaped = reaper.reapControllers()).length > 0, 30_000);
      expect(reaped.map((c) => c.epoch)).toEqual([lease.epoch]);
      expect(reaper.reapControllers()).toEqual([]);

      expect(controllerStoreOf(mine).renewController(lease.epoch, 1000)).toBe(false);
      expect(() => mine.setMeta("after", "x")).toThrow(LeaseLostError);
      expect(() => tasks.updateTask(held.id, { message: "finished by a ghost" })).toThrow(LeaseLostError);
      expect(() => tasks.createTask(newTask("late"))).toThrow(LeaseLostError);
      expect(() => mine.writeTransaction(() => mine.setMeta("after", "y"))).toThrow(LeaseLostError);
      expect(() => entries.putEntry("default", "context", "plan", "written by a ghost")).toThrow(LeaseLostError);
      expect(() => entries.putEntry("default", "context", "other", 1, { retention: { maxEntries: 0 } })).toThrow(LeaseLostError);
      expect(() => entries.deleteEntry("default", "context", "plan")).toThrow(LeaseLostError);

      expect(other.getMeta("after")).toBeUndefined();
      const seen = openTaskStore(other);
      expect(seen.getTask(held.id)?.message).not.toBe("finished by a ghost");
      expect(seen.listTasks().map((t) => t.name)).toEqual(["held"]);
      expect(openWorkflowStoreEntries(other).listEntries("default", "context").map((e) => e.value)).toEqual(["while the lease lives"]);
    } finally {
      mine.close();
      other.close();
    }
  });

  it("migrates a new database once when several processes open it at the same moment", async () => {
    const url = server.createDatabase();
    const homes = Array.from({ length: 4 }, () => {
      const dir = mkdtempSync(join(tmpdir(), "orch-home-"));
      mkdirSync(join(dir, ".orchestrator"));
      return dir;
    });
    const outputs = await Promise.all(
      homes.map(
        (dir) =>
          new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
            const child = spawn(process.execPath, [CLI, "db", "migrations", "list", "-o", "json"], { cwd: dir, env: { ...process.env, ORCHESTRATOR_STORE_URL: url } });
            let out = "";
            let err = "";
            child.stdout.on("data", (d: Buffer) => (out += d.toString()));
            child.stderr.on("data", (d: Buffer) => (err += d.toString()));
            child.on("close", (code) => resolve({ code, out, err }));
          }),
      ),
    );
    for (const o of outputs) expect({ code: o.code, err: o.err }).toEqual({ code: 0, err: "" });
    const lists = outputs.map((o) => (JSON.parse(o.out) as { items: Array<{ version: number; appliedAt: string | null }> }).items);
    expect(lists[0]!.length).toBeGreaterThan(0);
    expect(lists[0]!.every((m) => m.appliedAt !== null)).toBe(true);
    // Each migration applied once: every process reports the same time for it.
    for (const l of lists) expect(l).toEqual(lists[0]);
  }, 120_000);
});
