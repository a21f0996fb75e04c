/**
 * @module `orchestrator db migrate --to postgres://...`: moves this home's
 * SQLite store into an empty PostgreSQL database (everything it holds,
 * secrets still sealed) and points the home at it. Refused while a
 * controller runs on the home: the controller lock is taken for the
 * duration, so none starts meanwhile either.
 */
import { storeUrlOf, STORE_URL_ENV } from "../../store/home-location.js";
import { StoreSetupError } from "../../store/home.js";
import { moveToPostgres, type MoveResult } from "../../store/move-to-postgres.js";
import { TargetNotEmptyError } from "../../store/postgres/copy-from-sqlite.js";
import { redactUrl, StoreConnectionError } from "../../store/postgres/open.js";
import { acquireControllerLock } from "../../runtime/lock.js";
import { claimerAlive } from "../../runtime/recovery.js";
import { requireHome } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { writeOut } from "../output/io.js";

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** What was copied, table by table, in words (counts only: no value is shown). */
export function describeCounts(r: MoveResult): string {
  const t = r.counts.tables;
  const n = (table: string): number => t[table] ?? 0;
  const parts = [
    plural(n("resources"), "resource"),
    plural(n("tasks"), "task"),
    plural(n("items"), "item"),
    plural(n("runs"), "run"),
    plural(n("events"), "event"),
    plural(n("source_inventory"), "inventory entry", "inventory entries"),
    plural(n("workflow_store_entries"), "workflow store entry", "workflow store entries"),
    plural(n("agent_states"), "agent state"),
    plural(n("secret_keys"), "secret key"),
    plural(r.counts.logs.files, "step log"),
  ];
  return parts.join(", ");
}

export function dbMigrateCommand(opts: { to?: string; output?: "text" | "json" }): void {
  if (!opts.to) throw new UsageError("db migrate needs --to postgres://user@host:port/database (an empty database)");
  const home = requireHome();
  const current = storeUrlOf(home);
  if (current !== undefined) {
    const from = process.env[STORE_URL_ENV]?.trim() ? ` (${STORE_URL_ENV})` : "";
    throw new CliError(`this home's store is already the PostgreSQL database at ${redactUrl(current)}${from}; db migrate moves a SQLite store (state.db)`);
  }
  const lock = acquireControllerLock(home.dir);
  if (!lock.acquired) {
    throw new CliError(
      `a controller is running on this home (pid ${lock.info.pid} on ${lock.info.hostname}, since ${lock.info.startedAt}); stop it first (\`orchestrator controller stop\`), then run db migrate again; nothing was copied`,
    );
  }
  let result: MoveResult;
  try {
    result = moveToPostgres(home, opts.to, { claimAlive: (c) => claimerAlive(c), actor: "cli" });
  } catch (err) {
    if (err instanceof StoreSetupError || err instanceof StoreConnectionError || err instanceof TargetNotEmptyError) throw new CliError(err.message);
    throw err;
  } finally {
    lock.release();
  }
  if (opts.output === "json") {
    writeOut(`${JSON.stringify({ store: result.store, copied: result.counts.tables, logs: result.counts.logs, meta: result.counts.meta, sqliteKeptAs: result.keptAs }, null, 2)}\n`);
    return;
  }
  const missing = result.counts.logs.missing > 0 ? `\n${plural(result.counts.logs.missing, "step log")} named by runs no longer exist on disk and were not copied` : "";
  writeOut(
    `copied the SQLite store to ${result.store}: ${describeCounts(result)}${missing}\n` +
      `this home now uses ${result.store} (.orchestrator/store-url); the SQLite store is kept as ${result.keptAs}\n` +
      `other homes on this store need this home's secret.key (and secret-keys/) before \`orchestrator init --store\`\n`,
  );
}
