/**
 * @module Moving a home's store from state.db to an empty PostgreSQL
 * database (`orchestrator db migrate --to`): the SQLite store's write lock
 * is held while everything is copied in one PostgreSQL transaction, then
 * the home is pointed at the database (`store-url`) and state.db is kept
 * beside it under another name, out of every command's way. The caller
 * makes sure no controller runs on the home (it holds controller.lock). A
 * dry run makes every check and the copy itself, then rolls both stores'
 * transactions back and leaves the home as it was.
 */
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import Database from "better-sqlite3";
import type { Home } from "./home-location.js";
import { secretKeyCheck, SECRET_KEY_CHECK_META, StoreSetupError } from "./home.js";
import { PgConnection, PgError } from "./postgres/bridge.js";
import { copySqliteToPg, TargetNotEmptyError, type CopyCounts } from "./postgres/copy-from-sqlite.js";
import { isPostgresUrl, redactUrl, StoreConnectionError } from "./postgres/open.js";
import { migrate, needsMigration } from "./sqlite/migrate.js";
import { BUSY_TIMEOUT_MS, openSqliteStore } from "./sqlite/open.js";

export interface MoveResult {
  /** The database, without its password. */
  store: string;
  counts: CopyCounts;
  /** Where state.db now is; undefined after a dry run, which moves nothing. */
  keptAs: string | undefined;
  dryRun: boolean;
}

export interface MoveOptions {
  /** True when a task's claimer (`host:pid:...`) is a process still running: such a task is being worked on. */
  claimAlive(claimedBy: string): boolean;
  actor: string;
  /** Check and count everything, write nothing (see CopyOptions.dryRun). */
  dryRun?: boolean;
}

/** The name state.db is kept under: `state.db.migrated`, or with a time when an earlier move left one. */
function keptName(home: Home): string {
  const plain = `${home.dbPath}.migrated`;
  if (!existsSync(plain)) return plain;
  return `${plain}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
}

function busy(err: unknown): boolean {
  return (err as { code?: string }).code?.startsWith("SQLITE_BUSY") === true;
}

export function moveToPostgres(home: Home, url: string, opts: MoveOptions): MoveResult {
  const label = redactUrl(url);
  if (!isPostgresUrl(url)) throw new StoreSetupError(`--to takes a PostgreSQL URL (postgres://user@host:port/database), got '${label}'`);
  if (!existsSync(home.dbPath)) throw new StoreSetupError(`${home.dir} holds no state.db: there is no SQLite store to move`);
  const dryRun = opts.dryRun === true;
  // Brings the SQLite schema up to date first, so its tables are the ones this version copies
  // (a dry run does it in its transaction below, rolled back with it).
  if (!dryRun) openSqliteStore(home).close();

  const source = new Database(home.dbPath, { timeout: BUSY_TIMEOUT_MS });
  let pg: PgConnection | undefined;
  try {
    try {
      // Held to the end: no write lands in state.db after it was read.
      source.prepare("BEGIN IMMEDIATE").run();
    } catch (err) {
      if (busy(err)) throw new StoreSetupError(`${home.dbPath} is busy: another command kept writing to it for ${BUSY_TIMEOUT_MS / 1000} s; let it finish, then run db migrate again; nothing was copied`);
      throw err;
    }
    if (dryRun && needsMigration(source, home.dbPath)) migrate(source, home.dbPath);
    const working = (source.prepare("SELECT id, name, claimed_by FROM tasks WHERE claimed_by IS NOT NULL AND finished_at IS NULL ORDER BY created_at, id").all() as Array<{
      id: string;
      name: string;
      claimed_by: string;
    }>).filter((t) => opts.claimAlive(t.claimed_by));
    if (working.length > 0) {
      const shown = working.slice(0, 5).map((t) => `${t.id} (${t.name}, process ${t.claimed_by.split(":")[1]})`).join(", ");
      throw new StoreSetupError(
        `${working.length === 1 ? "a task is" : `${working.length} tasks are`} running on this home: ${shown}${working.length > 5 ? ", ..." : ""}; let ${working.length === 1 ? "it" : "them"} finish or stop ${working.length === 1 ? "it" : "them"} (\`orchestrator task pause\`), then run db migrate again; nothing was copied`,
      );
    }

    try {
      pg = PgConnection.open(url, { applicationName: `orchestrator ${process.pid} db migrate` });
    } catch (err) {
      const why = err instanceof PgError ? err.message : String(err);
      throw new StoreConnectionError(`cannot connect to the store at ${label}: ${why.split(url).join(label)}`);
    }
    let counts: CopyCounts;
    try {
      counts = copySqliteToPg(source, pg, {
        label,
        root: home.root,
        extraMeta: { [SECRET_KEY_CHECK_META]: secretKeyCheck(home) },
        event: { message: `store copied from the SQLite store ${home.dbPath} (db migrate)`, actor: opts.actor },
        dryRun,
      });
    } catch (err) {
      if (err instanceof TargetNotEmptyError) throw err;
      const why = (err instanceof Error ? err.message : String(err)).split(url).join(label);
      throw new StoreSetupError(`copying the store into ${label} failed: ${why}; nothing was written there, and this home still uses state.db`);
    }
    pg.close();
    pg = undefined;
    if (dryRun) return { store: label, counts, keptAs: undefined, dryRun };

    // The home uses the database from here on; state.db is renamed while its write lock is still held.
    writeFileSync(home.storeUrlPath, `${url}\n`, { mode: 0o600 });
    const kept = keptName(home);
    for (const suffix of ["", "-wal", "-shm"]) {
      if (existsSync(`${home.dbPath}${suffix}`)) renameSync(`${home.dbPath}${suffix}`, `${kept}${suffix}`);
    }
    return { store: label, counts, keptAs: join(basename(home.dir), basename(kept)), dryRun };
  } finally {
    pg?.close();
    if (source.inTransaction) source.prepare("ROLLBACK").run();
    source.close();
  }
}
