/**
 * @module Applying migrations: `PRAGMA user_version` is the one-query fast
 * path on open; `schema_migrations` records each applied version by name.
 */
import type { Database } from "better-sqlite3";
import type { MigrationInfo } from "../store.js";
import { StoreVersionError } from "../errors.js";
import { LATEST_VERSION, MIGRATIONS, type Migration } from "./migrations.js";

const CREATE_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`;

export function userVersion(db: Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** True when the schema needs migrating; throws when it is newer than this code knows. */
export function needsMigration(db: Database, path: string, migrations: readonly Migration[] = MIGRATIONS): boolean {
  const version = userVersion(db);
  const latest = latestOf(migrations);
  if (version > latest) throw new StoreVersionError(path, version, latest);
  return version < latest;
}

/**
 * Applies every pending migration in one immediate transaction, so two
 * processes opening a fresh store at once apply each migration exactly once.
 * Returns the versions applied.
 */
export function migrate(db: Database, path: string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const latest = latestOf(migrations);
  const run = db.transaction((): number[] => {
    if (!needsMigration(db, path, migrations)) return [];
    db.exec(CREATE_TABLE);
    const applied = new Set(
      (db.prepare("SELECT version FROM schema_migrations").pluck().all() as number[]),
    );
    const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      if (typeof m.up === "string") db.exec(m.up);
      else m.up(db);
      record.run(m.version, m.name, new Date().toISOString());
      done.push(m.version);
    }
    db.pragma(`user_version = ${latest}`);
    return done;
  });
  return run.immediate();
}

/** Every known migration with when it was applied (null when pending). */
export function listMigrations(db: Database, migrations: readonly Migration[] = MIGRATIONS): MigrationInfo[] {
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .pluck()
    .get();
  const appliedAt = new Map<number, string>();
  if (hasTable) {
    for (const row of db.prepare("SELECT version, applied_at FROM schema_migrations").all() as {
      version: number;
      applied_at: string;
    }[]) {
      appliedAt.set(row.version, row.applied_at);
    }
  }
  return [...migrations]
    .sort((a, b) => a.version - b.version)
    .map((m) => ({ version: m.version, name: m.name, appliedAt: appliedAt.get(m.version) ?? null }));
}

export { LATEST_VERSION };

function latestOf(migrations: readonly Migration[]): number {
  return migrations === MIGRATIONS ? LATEST_VERSION : migrations.reduce((max, m) => Math.max(max, m.version), 0);
}
