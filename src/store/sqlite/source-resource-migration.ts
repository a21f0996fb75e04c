/**
 * @module Migration "source-resources": sources were rows of their own
 * table, kept apart from resources, so they could not be exported,
 * committed or reviewed. Each row becomes a `Source` resource (project "",
 * applied by `cli`, as `source add` made it), its reconcile status the
 * resource's status; a trigger deletes a source's inventory whenever its
 * Source is deleted (by `delete`, `source remove` or a parent source's
 * prune), and the old table goes. The manifest is built as the PostgreSQL
 * store's migration 7 builds it (legacy-source-row.ts).
 */
import type { Database } from "better-sqlite3";
import { legacySourceResource, type LegacySourceRow } from "../legacy-source-row.js";

export const SOURCE_RESOURCES_MIGRATION_NAME = "source-resources";

export function sourcesToResources(db: Database): void {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sources'").get();
  const rows = exists ? (db.prepare("SELECT * FROM sources ORDER BY name").all() as LegacySourceRow[]) : [];
  const taken = db.prepare("SELECT 1 FROM resources WHERE project = '' AND kind = 'Source' AND name = ?").pluck();
  const insert = db.prepare(`
    INSERT INTO resources (project, kind, name, api_version, spec, status, generation, hash, applied_by, created_at, updated_at)
    VALUES ('', 'Source', @name, 'orchestrator.dev/v2', @spec, @status, 1, @hash, 'cli', @created_at, @updated_at)`);
  for (const row of rows) {
    if (taken.get(row.name)) continue;
    const { spec, hash } = legacySourceResource(row);
    insert.run({ name: row.name, spec, status: row.status, hash, created_at: row.created_at, updated_at: row.updated_at });
  }
  db.exec(`
    CREATE TRIGGER IF NOT EXISTS source_inventory_follows_source AFTER DELETE ON resources
    WHEN OLD.kind = 'Source' AND OLD.project = '' BEGIN
      DELETE FROM source_inventory WHERE source = OLD.name;
    END;
    DROP TABLE IF EXISTS sources;
  `);
}
