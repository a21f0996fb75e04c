import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { homeAt } from "../../../src/store/home.js";
import { migrate } from "../../../src/store/sqlite/migrate.js";
import { LATEST_VERSION, MIGRATIONS } from "../../../src/store/sqlite/migrations.js";
import { openSqliteStore } from "../../../src/store/sqlite/open.js";
import { removeTempDirs, tempDir, write } from "../helpers.js";

afterAll(removeTempDirs);

const TASKS_MIGRATION = MIGRATIONS.findIndex((m) => m.name === "tasks");

describe("the tasks migration", () => {
  it("is listed by migrations() and applied on a fresh store", () => {
    const home = homeAt(join(tempDir(), ".orchestrator"));
    mkdirSync(home.dir);
    const store = openSqliteStore(home);
    const entry = store.migrations().find((m) => m.name === "tasks");
    expect(entry?.version).toBe(MIGRATIONS[TASKS_MIGRATION]?.version);
    expect(entry?.appliedAt).not.toBeNull();
    store.close();
  });

  it("applies to a store made by the version before it: its data stays and tasks work", () => {
    expect(TASKS_MIGRATION).toBeGreaterThan(0);
    const home = homeAt(join(tempDir(), ".orchestrator"));
    mkdirSync(home.dir);
    // The previous version's schema, with a resource and an event written by it.
    const db = new Database(home.dbPath);
    db.pragma("journal_mode = WAL");
    migrate(db, home.dbPath, MIGRATIONS.slice(0, TASKS_MIGRATION));
    db.prepare(
      `INSERT INTO resources (project, kind, name, api_version, spec, hash, applied_by, created_at, updated_at)
       VALUES ('default', 'Agent', 'coder', 'orchestrator.dev/v2', '{"command":"echo"}', 'h', 'cli', 'x', 'x')`,
    ).run();
    db.prepare("INSERT INTO events (ts, type, message) VALUES ('x', 'old', 'from before')").run();
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('tasks', 'items', 'runs')").pluck().get()).toBe(0);
    db.close();

    // Opened by the code as it is now, as an upgraded orchestrator would.
    const upgraded = openSqliteStore(home);
    expect(upgraded.status()).toMatchObject({ schemaVersion: LATEST_VERSION, pending: 0 });
    expect(upgraded.migrations().find((m) => m.name === "tasks")?.appliedAt).not.toBeNull();
    expect(upgraded.getResource({ project: "default", kind: "Agent", name: "coder" })?.spec).toEqual({ command: "echo" });
    expect(upgraded.listEvents({ type: "old" })).toHaveLength(1);
    const t = upgraded.taskStore().createTask({
      name: "after-upgrade",
      project: "default",
      origin: "cli",
      workflow: null,
      workspace: null,
      goal: "",
      spec: { steps: [], vars: {}, targetFiles: [] },
      queued: true,
    });
    upgraded.close();

    const reopened = openSqliteStore(home);
    expect(reopened.status().pending).toBe(0);
    expect(reopened.taskStore().claimNextTask("w")?.id).toBe(t.id);
    reopened.close();
  });
});
