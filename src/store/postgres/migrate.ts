/**
 * @module Applying the PostgreSQL schema: under a transaction-level advisory
 * lock, so controllers on several hosts starting together migrate once and
 * the others wait and find nothing left to do.
 */
import { StoreVersionError } from "../errors.js";
import type { MigrationInfo } from "../store.js";
import type { PgConnection } from "./bridge.js";
import { LOCK, xactLock } from "./locks.js";
import { PG_LATEST_VERSION, PG_MIGRATIONS, type PgMigration } from "./migrations.js";

const CREATE_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`;

function appliedVersions(db: PgConnection): Map<number, string> {
  const exists = db.value<string | null>("SELECT to_regclass('schema_migrations')::text");
  if (!exists) return new Map();
  return new Map(db.all<{ version: number; applied_at: string }>("SELECT version, applied_at FROM schema_migrations").map((r) => [r.version, r.applied_at]));
}

/**
 * Applies pending migrations (of `migrations`: all unless a test stops
 * short of one); returns the versions applied. Throws StoreVersionError for
 * a newer schema.
 */
export function migratePg(db: PgConnection, label: string, migrations: readonly PgMigration[] = PG_MIGRATIONS): number[] {
  // The cheap look first: an up-to-date store takes no lock.
  const before = appliedVersions(db);
  const newest = Math.max(0, ...before.keys());
  if (newest > PG_LATEST_VERSION) throw new StoreVersionError(label, newest, PG_LATEST_VERSION);
  if (migrations.every((m) => before.has(m.version))) return [];
  return db.transaction((): number[] => {
    db.exec(CREATE_TABLE);
    const applied = appliedVersions(db);
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      const record = { sql: "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", params: [m.version, m.name, new Date().toISOString()] };
      if (typeof m.up === "string") db.run([{ sql: m.up }, record]);
      else {
        m.up(db);
        db.run([record]);
      }
      done.push(m.version);
    }
    return done;
  }, [xactLock(LOCK.migrate)]);
}

export function listPgMigrations(db: PgConnection): MigrationInfo[] {
  const applied = appliedVersions(db);
  return [...PG_MIGRATIONS]
    .sort((a, b) => a.version - b.version)
    .map((m) => ({ version: m.version, name: m.name, appliedAt: applied.get(m.version) ?? null }));
}

export function pgSchemaVersion(db: PgConnection): number {
  return Math.max(0, ...appliedVersions(db).keys());
}
