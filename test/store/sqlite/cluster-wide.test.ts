/**
 * The cluster-wide kinds (Project, CustomResourceDefinition) live under
 * project "" whatever project a caller names, and migration 7 moves CRDs
 * that older stores kept under a project.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { homeAt } from "../../../src/store/home.js";
import { migrate } from "../../../src/store/sqlite/migrate.js";
import { LATEST_VERSION, MIGRATIONS } from "../../../src/store/sqlite/migrations.js";
import { openSqliteStore } from "../../../src/store/sqlite/open.js";
import { newStore, removeTempDirs, tempDir, write } from "../helpers.js";

afterAll(removeTempDirs);

const CRD = "CustomResourceDefinition";
const crdSpec = { kind: "Rubric", plural: "rubrics", group: "x.io", versions: [{ name: "v1" }] };

describe("cluster-wide kinds in the store", () => {
  it("are kept under project '' and found from any project", () => {
    const { store } = newStore();
    store.commit([{ op: "create", resource: write(CRD, "rubrics.x.io", crdSpec, { project: "web" }) }], "cli");
    expect(store.getResource({ project: "default", kind: CRD, name: "rubrics.x.io" })?.metadata.project).toBe("");
    expect(store.listResources({ kind: CRD, project: "other" }).map((r) => r.metadata.name)).toEqual(["rubrics.x.io"]);
    expect(store.listResourceHeads({ kind: CRD, project: "web" }).map((h) => h.project)).toEqual([""]);
    expect(store.listProjects()).toEqual(["default"]);
    // A second create under another project is the same key.
    expect(() => store.commit([{ op: "create", resource: write(CRD, "rubrics.x.io", crdSpec, { project: "ops" }) }], "cli")).toThrow(/already exists/);
    store.close();
  });

  it("are not removed with a project", () => {
    const { store } = newStore();
    store.commit(
      [
        { op: "create", resource: write(CRD, "rubrics.x.io", crdSpec, { project: "web" }) },
        { op: "create", resource: write("Agent", "coder", { command: "echo" }, { project: "web" }) },
      ],
      "cli",
    );
    expect(store.deleteProject("web", "cli")).toBe(1);
    expect(store.listResources({ kind: CRD }).map((r) => r.metadata.name)).toEqual(["rubrics.x.io"]);
    store.close();
  });
});

describe("the cluster-wide-kinds migration", () => {
  const VERSION = MIGRATIONS.findIndex((m) => m.name === "cluster-wide-kinds");

  it("moves CRDs kept under projects to project '', keeping the latest copy of a name", () => {
    expect(VERSION).toBeGreaterThan(0);
    const home = homeAt(join(tempDir(), ".orchestrator"));
    mkdirSync(home.dir);
    // A store made by the version before, with CRDs written under projects as it did.
    const db = new Database(home.dbPath);
    db.pragma("journal_mode = WAL");
    migrate(db, home.dbPath, MIGRATIONS.slice(0, VERSION));
    const insert = db.prepare(
      `INSERT INTO resources (project, kind, name, api_version, spec, hash, applied_by, created_at, updated_at)
       VALUES (?, ?, ?, 'orchestrator.dev/v2', ?, ?, 'cli', ?, ?)`,
    );
    const spec = (group: string) => JSON.stringify({ ...crdSpec, group });
    insert.run("default", CRD, "rubrics.x.io", spec("old.io"), "h1", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    insert.run("web", CRD, "rubrics.x.io", spec("new.io"), "h2", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z");
    insert.run("web", CRD, "only.x.io", spec("only.io"), "h3", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    insert.run("web", "Agent", "coder", '{"command":"echo"}', "h4", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    db.prepare("INSERT INTO events (ts, type, project, kind, name, message) VALUES ('x', 'resource_created', 'web', ?, 'only.x.io', 'created')").run(CRD);
    db.prepare("INSERT INTO source_inventory (source, project, kind, name, hash) VALUES ('default', 'web', ?, 'only.x.io', 'h3')").run(CRD);
    db.close();

    const store = openSqliteStore(home);
    expect(store.status()).toMatchObject({ schemaVersion: LATEST_VERSION, pending: 0 });
    const crds = store.listResources({ kind: CRD, allProjects: true });
    expect(crds.map((r) => [r.metadata.project, r.metadata.name, r.spec["group"]])).toEqual([
      ["", "only.x.io", "only.io"],
      ["", "rubrics.x.io", "new.io"],
    ]);
    expect(store.getResource({ project: "web", kind: "Agent", name: "coder" })).toBeDefined();
    expect(store.listProjects()).toEqual(["default", "web"]);
    const dropped = store.listEvents({ type: "resource_deleted" });
    expect(dropped).toHaveLength(1);
    // Recorded where the kept CRD is, so `describe` shows it; the message names the project it was in.
    expect(dropped[0]).toMatchObject({ project: "", kind: CRD, name: "rubrics.x.io", actor: "migration" });
    expect(dropped[0]!.message).toBe("CustomResourceDefinition rubrics.x.io of project 'default' removed: the kind is cluster-wide, one per name; kept the one in project 'web', updated last");
    expect(store.listEvents({ project: "", kind: CRD, name: "only.x.io" }).map((e) => e.type)).toEqual(["resource_created"]);
    expect(store.sourceStore().getInventory("default").map((i) => i.project)).toEqual([""]);
    store.close();
  });
});
