import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/resources/types.js";
import { contentHash } from "../../../src/store/content-hash.js";
import { hashedContent } from "../../../src/store/hashed-content.js";
import { migrate } from "../../../src/store/sqlite/migrate.js";
import { MIGRATIONS } from "../../../src/store/sqlite/migrations.js";
import { removeTempDirs, tempDir } from "../helpers.js";

afterAll(removeTempDirs);

describe("migration source-resources", () => {
  it("turns every row of the old sources table into a Source resource with its status and webhook secret, and drops the table", () => {
    const path = join(tempDir(), "state.db");
    const db = new Database(path);
    const m = MIGRATIONS.find((x) => x.name === "source-resources")!;
    migrate(db, path, MIGRATIONS.filter((x) => x.version < m.version));
    const status = JSON.stringify({ conditions: [{ type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: "Applied", lastTransitionTime: "t" }], lastAppliedRevision: "sha256:abc" });
    const insert = db.prepare(
      "INSERT INTO sources (name, type, dir, url, ref, path, interval_ms, project, prune, webhook_secret, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '2025-01-01T00:00:00.000Z', '2025-01-02T00:00:00.000Z')",
    );
    insert.run("default", "dir", "manifests", null, null, null, 60_000, "default", 1, null, status);
    insert.run("remote", "git", null, "https://example.com/r.git", "main", "deploy", 90_000, "team", 0, "hook-key", "{}");
    db.prepare("INSERT INTO source_inventory (source, project, kind, name, hash) VALUES ('remote', 'team', 'Agent', 'a', 'h')").run();
    migrate(db, path);
    const rows = db.prepare("SELECT name, spec, status, applied_by, generation, created_at FROM resources WHERE kind = 'Source' AND project = '' ORDER BY name").all() as Record<string, string | number>[];
    expect(rows.map((r) => ({ ...r, spec: JSON.parse(String(r["spec"])) }))).toEqual([
      { name: "default", spec: { dir: "manifests" }, status, applied_by: "cli", generation: 1, created_at: "2025-01-01T00:00:00.000Z" },
      { name: "remote", spec: { url: "https://example.com/r.git", ref: "main", path: "deploy", interval: "1m30s", project: "team", prune: false, webhookSecretRef: { name: "hook-key" } }, status: "{}", applied_by: "cli", generation: 1, created_at: "2025-01-01T00:00:00.000Z" },
    ]);
    expect(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sources'").get()).toBeUndefined();
    // Hashed as the planner hashes the same manifest, so applying it back is `unchanged`.
    const hash = db.prepare("SELECT hash FROM resources WHERE kind = 'Source' AND name = 'default'").pluck().get();
    expect(hash).toBe(contentHash("Source", hashedContent({ apiVersion: "orchestrator.dev/v2", metadata: { name: "default" }, spec: { dir: "manifests" } }) as JsonObject, () => Buffer.alloc(0)));
    // The inventory stays with its source, and goes when the Source is deleted.
    expect(db.prepare("SELECT count(*) FROM source_inventory").pluck().get()).toBe(1);
    db.prepare("DELETE FROM resources WHERE kind = 'Source' AND name = 'remote'").run();
    expect(db.prepare("SELECT count(*) FROM source_inventory").pluck().get()).toBe(0);
    db.close();
  });
});
