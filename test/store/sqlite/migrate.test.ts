import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { StoreVersionError } from "../../../src/store/errors.js";
import { listMigrations, migrate, needsMigration, userVersion } from "../../../src/store/sqlite/migrate.js";
import { LATEST_VERSION, MIGRATIONS, type Migration } from "../../../src/store/sqlite/migrations.js";
import { removeTempDirs, tempDir } from "../helpers.js";

afterAll(removeTempDirs);

function freshDb(): { db: Database.Database; path: string } {
  const path = join(tempDir(), "state.db");
  return { db: new Database(path), path };
}

describe("migrate", () => {
  it("applies every migration once, records each by name, and sets user_version", () => {
    const { db, path } = freshDb();
    expect(listMigrations(db).every((m) => m.appliedAt === null)).toBe(true);
    expect(migrate(db, path)).toEqual(MIGRATIONS.map((m) => m.version));
    const rows = db.prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").all() as {
      version: number;
      name: string;
      applied_at: string;
    }[];
    expect(rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
    expect(userVersion(db)).toBe(LATEST_VERSION);
    expect(listMigrations(db).every((m) => m.appliedAt === rows.find((r) => r.version === m.version)?.applied_at)).toBe(true);
    expect(migrate(db, path)).toEqual([]);
    expect(db.prepare("SELECT count(*) FROM schema_migrations").pluck().get()).toBe(MIGRATIONS.length);
    for (const table of ["resources", "events", "meta"]) {
      expect(db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(table)).toBe(1);
    }
    db.close();
  });

  it("applies only what a later list appends", () => {
    const { db, path } = freshDb();
    migrate(db, path);
    const later: Migration[] = [...MIGRATIONS, { version: LATEST_VERSION + 1, name: "later", up: "CREATE TABLE later (x INTEGER)" }];
    expect(needsMigration(db, path, later)).toBe(true);
    expect(migrate(db, path, later)).toEqual([LATEST_VERSION + 1]);
    expect(listMigrations(db, later).at(-1)).toMatchObject({ version: LATEST_VERSION + 1, name: "later" });
    expect(userVersion(db)).toBe(LATEST_VERSION + 1);
    db.close();
  });

  it("rolls a failing migration back entirely", () => {
    const { db, path } = freshDb();
    const broken: Migration[] = [...MIGRATIONS, { version: LATEST_VERSION + 1, name: "broken", up: "CREATE TABLE ok (x); NOT SQL" }];
    expect(() => migrate(db, path, broken)).toThrow();
    expect(userVersion(db)).toBe(0);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('ok', 'resources', 'schema_migrations')").pluck().get()).toBe(0);
    db.close();
  });

  it("refuses a store migrated by a newer orchestrator", () => {
    const { db, path } = freshDb();
    db.pragma(`user_version = ${LATEST_VERSION + 5}`);
    expect(() => needsMigration(db, path)).toThrow(StoreVersionError);
    expect(() => migrate(db, path)).toThrow(/upgrade orchestrator/);
    db.close();
  });
});
