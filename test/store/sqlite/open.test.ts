import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { ReadonlyStoreError } from "../../../src/store/errors.js";
import { homeAt, initHome } from "../../../src/store/home.js";
import { migrate } from "../../../src/store/sqlite/migrate.js";
import { LATEST_VERSION, MIGRATIONS } from "../../../src/store/sqlite/migrations.js";
import { openStore } from "../../../src/store/sqlite/open.js";
import { removeTempDirs, tempDir, write } from "../helpers.js";

afterAll(removeTempDirs);

describe("openStore", () => {
  it("creates and migrates the database in WAL mode when the folder exists", () => {
    const home = homeAt(join(tempDir(), ".orchestrator"));
    mkdirSync(home.dir);
    const store = openStore(home);
    expect(store.status()).toMatchObject({ journalMode: "wal", pending: 0, schemaVersion: LATEST_VERSION });
    store.close();
  });

  it("does not write to an up-to-date store on open", () => {
    const { home } = initHome(tempDir(), {});
    const before = statSync(home.dbPath).mtimeMs;
    const rows = () => {
      const db = new Database(home.dbPath, { readonly: true });
      const r = db.prepare("SELECT version, applied_at FROM schema_migrations").all();
      db.close();
      return r;
    };
    const applied = rows();
    openStore(home).close();
    openStore(home, { readonly: true }).close();
    expect(rows()).toEqual(applied);
    expect(statSync(home.dbPath).mtimeMs).toBe(before);
  });

  it("read-only: reads work and writes fail with a clear error", () => {
    const { home } = initHome(tempDir(), {});
    const rw = openStore(home);
    rw.commit([{ op: "create", resource: write("Agent", "a", {}) }], "t");
    rw.close();
    const ro = openStore(home, { readonly: true });
    expect(ro.listResources({ kind: "Agent" })).toHaveLength(1);
    expect(() => ro.commit([{ op: "create", resource: write("Agent", "b", {}) }], "t")).toThrow(ReadonlyStoreError);
    expect(() => ro.appendEvent({ type: "x", message: "y" })).toThrow(/opened read-only/);
    ro.close();
  });

  it("read-only on a store that predates a migration applies it first", () => {
    const home = homeAt(join(tempDir(), ".orchestrator"));
    mkdirSync(home.dir);
    const db = new Database(home.dbPath);
    migrate(db, home.dbPath, MIGRATIONS.slice(0, -1));
    db.close();
    const ro = openStore(home, { readonly: true });
    expect(ro.migrations().every((m) => m.appliedAt !== null)).toBe(true);
    expect(ro.status().schemaVersion).toBe(LATEST_VERSION);
    ro.close();
  });

  it("read-only on a folder without a database creates the schema first", () => {
    const home = homeAt(join(tempDir(), ".orchestrator"));
    mkdirSync(home.dir);
    const ro = openStore(home, { readonly: true });
    expect(existsSync(home.dbPath)).toBe(true);
    expect(ro.listResources()).toEqual([]);
    ro.close();
  });

  it("keeps a partially migrated store usable: only the missing versions are applied", () => {
    const home = homeAt(join(tempDir(), ".orchestrator"));
    mkdirSync(home.dir);
    const db = new Database(home.dbPath);
    migrate(db, home.dbPath, MIGRATIONS.slice(0, 1));
    db.close();
    const store = openStore(home);
    expect(store.migrations().map((m) => m.appliedAt !== null)).toEqual(MIGRATIONS.map(() => true));
    store.close();
  });
});
