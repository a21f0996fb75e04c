/**
 * @module Migration "source-resources": sources were rows of their own
 * table, kept apart from resources, so they could not be exported,
 * committed or reviewed. Each row becomes a `Source` resource (project "",
 * applied by `cli`, as `source add` made it), its reconcile status the
 * resource's status; a trigger deletes a source's inventory whenever its
 * Source is deleted (by `delete`, `source remove` or a parent source's
 * prune), and the old table goes. The manifest is built here rather than
 * by today's helpers: an applied migration never changes meaning.
 */
import { createHash } from "node:crypto";
import type { Database } from "better-sqlite3";
import { canonicalJson } from "../canonical.js";

export const SOURCE_RESOURCES_MIGRATION_NAME = "source-resources";

interface Row {
  name: string;
  type: string;
  dir: string | null;
  url: string | null;
  ref: string | null;
  path: string | null;
  interval_ms: number;
  project: string;
  prune: number;
  webhook_secret?: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}

function interval(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s || (!h && !m) ? `${s}s` : ""}`;
}

function specOf(row: Row): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (row.type === "git") {
    spec["url"] = row.url ?? "";
    if (row.ref !== null) spec["ref"] = row.ref;
    if (row.path !== null) spec["path"] = row.path;
  } else spec["dir"] = row.dir ?? "manifests";
  if (interval(row.interval_ms) !== "1m") spec["interval"] = interval(row.interval_ms);
  if (row.project !== "default") spec["project"] = row.project;
  if (row.prune !== 1) spec["prune"] = false;
  if (row.webhook_secret) spec["webhookSecretRef"] = { name: row.webhook_secret };
  return spec;
}

export function sourcesToResources(db: Database): void {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sources'").get();
  const rows = exists ? (db.prepare("SELECT * FROM sources ORDER BY name").all() as Row[]) : [];
  const taken = db.prepare("SELECT 1 FROM resources WHERE project = '' AND kind = 'Source' AND name = ?").pluck();
  const insert = db.prepare(`
    INSERT INTO resources (project, kind, name, api_version, spec, status, generation, hash, applied_by, created_at, updated_at)
    VALUES ('', 'Source', @name, 'orchestrator.dev/v2', @spec, @status, 1, @hash, 'cli', @created_at, @updated_at)`);
  for (const row of rows) {
    if (taken.get(row.name)) continue;
    const spec = specOf(row);
    // The content hash as the planner computes it (hashed-content.ts at the time of this migration).
    const content = { apiVersion: "orchestrator.dev/v2", description: null, labels: {}, annotations: {}, spec };
    const hash = createHash("sha256").update(canonicalJson(content), "utf8").digest("hex");
    insert.run({ name: row.name, spec: JSON.stringify(spec), status: row.status, hash, created_at: row.created_at, updated_at: row.updated_at });
  }
  db.exec(`
    CREATE TRIGGER IF NOT EXISTS source_inventory_follows_source AFTER DELETE ON resources
    WHEN OLD.kind = 'Source' AND OLD.project = '' BEGIN
      DELETE FROM source_inventory WHERE source = OLD.name;
    END;
    DROP TABLE IF EXISTS sources;
  `);
}
