import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/resources/types.js";
import { contentHash } from "../../../src/store/content-hash.js";
import { hashedContent } from "../../../src/store/hashed-content.js";
import { homeAt } from "../../../src/store/home-location.js";
import { PgConnection } from "../../../src/store/postgres/bridge.js";
import { migratePg } from "../../../src/store/postgres/migrate.js";
import { PG_MIGRATIONS } from "../../../src/store/postgres/migrations.js";
import { openPgStore } from "../../../src/store/postgres/open.js";
import { sourceStoreOf } from "../../../src/store/source-store.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../../support/postgres.js";

describe.skipIf(postgresUnavailable !== undefined)("PostgreSQL migration source-resources", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it("turns every row of the old sources table into a Source resource with its status and webhook secret, and drops the table", () => {
    const url = server.createDatabase();
    const db = PgConnection.open(url);
    const m = PG_MIGRATIONS.find((x) => x.name === "source-resources")!;
    migratePg(db, "test", PG_MIGRATIONS.filter((x) => x.version < m.version));
    const status = JSON.stringify({ conditions: [{ type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: "Applied", lastTransitionTime: "t" }], lastAppliedRevision: "sha256:abc" });
    const insert = (values: (string | number | null)[]) => ({
      sql: `INSERT INTO sources (name, type, dir, url, ref, path, interval_ms, project, prune, webhook_secret, status, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '2025-01-01T00:00:00.000Z', '2025-01-02T00:00:00.000Z')`,
      params: values,
    });
    db.run([
      insert(["default", "dir", "manifests", null, null, null, 60_000, "default", 1, null, status]),
      insert(["remote", "git", null, "https://example.com/r.git", "main", "deploy", 90_000, "team", 0, "hook-key", "{}"]),
      { sql: "INSERT INTO source_inventory (source, project, kind, name, hash) VALUES ('remote', 'team', 'Agent', 'a', 'h')" },
    ]);
    migratePg(db, "test");
    const rows = db.all<Record<string, string | number>>("SELECT name, spec, status, applied_by, generation, created_at FROM resources WHERE kind = 'Source' AND project = '' ORDER BY name");
    expect(rows.map((r) => ({ ...r, spec: JSON.parse(String(r["spec"])) }))).toEqual([
      { name: "default", spec: { dir: "manifests" }, status, applied_by: "cli", generation: 1, created_at: "2025-01-01T00:00:00.000Z" },
      {
        name: "remote",
        spec: { url: "https://example.com/r.git", ref: "main", path: "deploy", interval: "1m30s", project: "team", prune: false, webhookSecretRef: { name: "hook-key" } },
        status: "{}",
        applied_by: "cli",
        generation: 1,
        created_at: "2025-01-01T00:00:00.000Z",
      },
    ]);
    expect(db.value("SELECT to_regclass('sources')::text")).toBeNull();
    // Hashed as the planner hashes the same manifest, so applying it back is `unchanged`.
    expect(db.value("SELECT hash FROM resources WHERE kind = 'Source' AND name = 'default'")).toBe(
      contentHash("Source", hashedContent({ apiVersion: "orchestrator.dev/v2", metadata: { name: "default" }, spec: { dir: "manifests" } }) as JsonObject, () => Buffer.alloc(0)),
    );
    // The inventory stays with its source, and goes in the transaction that deletes the Source.
    expect(db.value("SELECT count(*) FROM source_inventory")).toBe(1);
    db.run([{ sql: "DELETE FROM resources WHERE kind = 'Source' AND name = 'remote'" }]);
    expect(db.value("SELECT count(*) FROM source_inventory")).toBe(0);
    db.close();
  });

  it("a store opened on the migrated database reads the sources as the SQLite store does", () => {
    const url = server.createDatabase();
    const db = PgConnection.open(url);
    const m = PG_MIGRATIONS.find((x) => x.name === "source-resources")!;
    migratePg(db, "test", PG_MIGRATIONS.filter((x) => x.version < m.version));
    db.run([
      {
        sql: `INSERT INTO sources (name, type, dir, url, ref, path, interval_ms, project, prune, webhook_secret, status, created_at, updated_at)
              VALUES ('remote', 'git', NULL, 'https://example.com/r.git', NULL, NULL, 300000, 'default', 1, 'hook-key', '{"failures": 2}', '2025-01-01T00:00:00.000Z', '2025-01-02T00:00:00.000Z')`,
      },
    ]);
    db.close();
    const home = homeAt(join(mkdtempSync(join(tmpdir(), "orch-home-")), ".orchestrator"));
    const store = openPgStore(url, home);
    try {
      expect(sourceStoreOf(store).listSources()).toEqual([
        expect.objectContaining({ name: "remote", type: "git", url: "https://example.com/r.git", intervalMs: 300_000, project: "default", prune: true, webhookSecret: "hook-key", appliedBy: "cli", generation: 1, createdAt: "2025-01-01T00:00:00.000Z" }),
      ]);
      expect(sourceStoreOf(store).getSource("remote")!.status.failures).toBe(2);
      expect(store.migrations().find((x) => x.name === "source-resources")!.appliedAt).not.toBeNull();
    } finally {
      store.close();
    }
  });
});
