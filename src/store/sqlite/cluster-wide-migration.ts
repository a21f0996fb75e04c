/**
 * @module Migration "cluster-wide-kinds": CustomResourceDefinitions were
 * stored under the project they were applied to, although the kind is
 * cluster-wide like Project. This moves every row of those kinds (and its
 * events and inventory entries) to project "". Where one name existed in
 * several projects, one row is kept: one already under "", else the most
 * recently updated; each copy dropped gets a `resource_deleted` event,
 * filed (like every event of these kinds) under project "" so `describe`
 * of the kept one shows it.
 */
import type { Database } from "better-sqlite3";

export const CLUSTER_WIDE_MIGRATION_NAME = "cluster-wide-kinds";

/** Fixed here rather than read from the kind registry: an applied migration never changes meaning. */
const KINDS = ["Project", "CustomResourceDefinition"] as const;

interface Row {
  id: number;
  project: string;
  name: string;
  generation: number;
}

export function moveClusterWideKinds(db: Database): void {
  const now = new Date().toISOString();
  const rowsOf = db.prepare(
    `SELECT id, project, name, generation FROM resources WHERE kind = ?
     ORDER BY name, project = '' DESC, updated_at DESC, project`,
  );
  const drop = db.prepare("DELETE FROM resources WHERE id = ?");
  const event = db.prepare(
    `INSERT INTO events (ts, type, project, kind, name, message, actor, data)
     VALUES (?, 'resource_deleted', ?, ?, ?, ?, 'migration', ?)`,
  );
  let changed = 0;
  for (const kind of KINDS) {
    const rows = rowsOf.all(kind) as Row[];
    let kept: Row | undefined;
    for (const r of rows) {
      if (kept?.name !== r.name) {
        kept = r;
        continue;
      }
      drop.run(r.id);
      changed++;
      const where = kept.project === "" ? "the cluster-wide one" : `the one in project '${kept.project}', updated last`;
      event.run(
        now,
        r.project,
        kind,
        r.name,
        `${kind} ${r.name} of project '${r.project}' removed: the kind is cluster-wide, one per name; kept ${where}`,
        JSON.stringify({ generation: r.generation, reason: "cluster_wide_duplicate", kept: kept.project }),
      );
    }
    changed += db.prepare("UPDATE resources SET project = '' WHERE kind = ? AND project <> ''").run(kind).changes;
    db.prepare("UPDATE events SET project = '' WHERE kind = ? AND project <> ''").run(kind);
    db.prepare("UPDATE OR IGNORE source_inventory SET project = '' WHERE kind = ? AND project <> ''").run(kind);
    db.prepare("DELETE FROM source_inventory WHERE kind = ? AND project <> ''").run(kind);
  }
  // Moving a row is a change of content to sources that skip unchanged passes.
  if (changed > 0) db.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'resources_version'").run();
}
