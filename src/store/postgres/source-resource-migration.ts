/**
 * @module PostgreSQL migration 7, "source-resources", as the SQLite store's
 * migration 16: each row of the old `sources` table becomes a `Source`
 * resource (project "", applied by `cli`, its reconcile status the
 * resource's status, its webhook secret `spec.webhookSecretRef`), a trigger
 * deletes a source's inventory in the transaction that deletes its Source
 * (by `delete`, `source remove` or a parent source's prune), and the old
 * table goes.
 */
import { legacySourceResource, type LegacySourceRow } from "../legacy-source-row.js";
import type { PgConnection, Statement } from "./bridge.js";

export const PG_SOURCE_RESOURCES_MIGRATION_NAME = "source-resources";

const INVENTORY_FOLLOWS_SOURCE = `
  CREATE OR REPLACE FUNCTION source_inventory_follows_source() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    DELETE FROM source_inventory WHERE source = OLD.name;
    RETURN NULL;
  END $$;
  DROP TRIGGER IF EXISTS source_inventory_follows_source ON resources;
  CREATE TRIGGER source_inventory_follows_source AFTER DELETE ON resources
    FOR EACH ROW WHEN (OLD.kind = 'Source' AND OLD.project = '')
    EXECUTE FUNCTION source_inventory_follows_source();
  DROP TABLE IF EXISTS sources;
`;

export function pgSourcesToResources(db: PgConnection): void {
  const exists = db.value<string | null>("SELECT to_regclass('sources')::text");
  const rows = exists ? db.all<LegacySourceRow>("SELECT * FROM sources ORDER BY name") : [];
  const inserts: Statement[] = rows.map((row) => {
    const { spec, hash } = legacySourceResource(row);
    return {
      sql: `INSERT INTO resources (project, kind, name, api_version, spec, status, generation, hash, applied_by, created_at, updated_at)
            VALUES ('', 'Source', $1, 'orchestrator.dev/v2', $2, $3, 1, $4, 'cli', $5, $6)
            ON CONFLICT (project, kind, name) DO NOTHING`,
      params: [row.name, spec, row.status, hash, row.created_at, row.updated_at],
    };
  });
  db.run([...inserts, { sql: INVENTORY_FOLLOWS_SOURCE }]);
}
