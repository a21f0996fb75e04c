import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "../../../src/store/sqlite/migrate.js";
import { MIGRATIONS } from "../../../src/store/sqlite/migrations.js";
import { removeTempDirs, tempDir } from "../helpers.js";

afterAll(removeTempDirs);

describe("migration inventory-ownership", () => {
  it("keeps existing inventory entries as created (not adopted)", () => {
    const path = join(tempDir(), "state.db");
    const db = new Database(path);
    const ownership = MIGRATIONS.find((m) => m.name === "inventory-ownership")!;
    const upTo = MIGRATIONS.filter((m) => m.version < ownership.version);
    migrate(db, path, upTo);
    db.prepare("INSERT INTO source_inventory (source, project, kind, name, hash) VALUES ('s', 'default', 'Agent', 'a', 'h')").run();
    migrate(db, path);
    expect(db.prepare("SELECT adopted FROM source_inventory").pluck().all()).toEqual([0]);
    db.close();
  });
});
