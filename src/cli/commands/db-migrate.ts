/**
 * @module `orchestrator db migrate --to postgres://...`: moves this home's
 * SQLite store into an empty PostgreSQL database (everything it holds,
 * secrets still sealed) and points the home at it. Refused while a
 * controller runs on the home: the controller lock is taken for the
 * duration, so none starts meanwhile either. `--dry-run` makes the same
 * checks and the copy, rolled back, and prints the same counts; it only
 * reads the controller lock, so it takes nothing from the home.
 */
import { storeUrlOf, STORE_URL_ENV } from "../../store/home-location.js";
import { StoreSetupError } from "../../store/home.js";
import { moveToPostgres, type MoveResult } from "../../store/move-to-postgres.js";
import { TargetNotEmptyError, type CopiedTableName } from "../../store/postgres/copy-from-sqlite.js";
import { redactUrl, StoreConnectionError } from "../../store/postgres/open.js";
import { acquireControllerLock, readControllerLock, type ControllerLockInfo } from "../../runtime/lock.js";
import { claimerAlive } from "../../runtime/recovery.js";
import { requireHome } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import type { OutputFormat } from "../output/format.js";
import { writeOut } from "../output/io.js";
import { printMachine } from "../output/printer.js";

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Each copied table in the summary, in this order; the type makes a table added to the copy need a name here. */
const TABLE_NOUNS: Readonly<Record<CopiedTableName, readonly [one: string, many: string]>> = {
  resources: ["resource", "resources"],
  tasks: ["task", "tasks"],
  items: ["item", "items"],
  runs: ["run", "runs"],
  events: ["event", "events"],
  source_inventory: ["inventory entry", "inventory entries"],
  reconcile_requests: ["reconcile request", "reconcile requests"],
  workflow_store_entries: ["workflow store entry", "workflow store entries"],
  agent_states: ["agent state", "agent states"],
  trigger_deliveries: ["trigger delivery", "trigger deliveries"],
  secret_keys: ["secret key", "secret keys"],
  secret_key_history: ["secret key history entry", "secret key history entries"],
};

/** What was (or would be) copied, table by table, in words: every count the JSON output gives (counts only: no value is shown). */
export function describeCounts(r: MoveResult): string {
  const parts = (Object.entries(TABLE_NOUNS) as Array<[CopiedTableName, readonly [string, string]]>).map(([table, [one, many]]) => plural(r.counts.tables[table] ?? 0, one, many));
  parts.push(plural(r.counts.meta, "meta key"), `${plural(r.counts.logs.files, "step log")} (${plural(r.counts.logs.bytes, "byte")})`);
  return parts.join(", ");
}

/** `--dry-run` alone or `--dry-run=server`: kubectl's server-side dry run is what this is (the database does the work, then forgets it). */
function dryRunOf(value: boolean | string | undefined): boolean {
  if (value === undefined || value === false) return false;
  if (value === true || value === "server") return true;
  if (value === "client") {
    throw new UsageError(
      "--dry-run=client is not offered for db migrate: its checks need the database (reachable, empty, the copy made and rolled back there); use --dry-run (the same as --dry-run=server)",
    );
  }
  throw new UsageError(`--dry-run takes no value, or server; got '${value}'`);
}

function controllerRunning(info: Pick<ControllerLockInfo, "pid" | "hostname" | "startedAt">): CliError {
  return new CliError(
    `a controller is running on this home (pid ${info.pid} on ${info.hostname}, since ${info.startedAt}); stop it first (\`orchestrator controller stop\`), then run db migrate again; nothing was copied`,
  );
}

export function dbMigrateCommand(opts: { to?: string; dryRun?: boolean | string; output?: OutputFormat }): void {
  if (!opts.to) throw new UsageError("db migrate needs --to postgres://user@host:port/database (an empty database)");
  const dryRun = dryRunOf(opts.dryRun);
  const home = requireHome();
  const current = storeUrlOf(home);
  if (current !== undefined) {
    const from = process.env[STORE_URL_ENV]?.trim() ? ` (${STORE_URL_ENV})` : "";
    throw new CliError(`this home's store is already the PostgreSQL database at ${redactUrl(current)}${from}; db migrate moves a SQLite store (state.db)`);
  }
  // A dry run only looks at the lock: taking it would write to the home and keep a controller from starting meanwhile.
  let release = (): void => undefined;
  if (dryRun) {
    const held = readControllerLock(home.dir);
    if (held?.alive) throw controllerRunning(held);
  } else {
    const lock = acquireControllerLock(home.dir);
    if (!lock.acquired) throw controllerRunning(lock.info);
    release = lock.release;
  }
  let result: MoveResult;
  try {
    result = moveToPostgres(home, opts.to, { claimAlive: (c) => claimerAlive(c), actor: "cli", dryRun });
  } catch (err) {
    if (err instanceof StoreSetupError || err instanceof StoreConnectionError || err instanceof TargetNotEmptyError) throw new CliError(err.message);
    throw err;
  } finally {
    release();
  }
  // The same counts as the text: rows per table (`copied`), meta keys and step logs.
  const view = {
    dryRun: result.dryRun,
    store: result.store,
    copied: { ...result.counts.tables },
    meta: result.counts.meta,
    logs: { ...result.counts.logs },
    ...(result.keptAs === undefined ? {} : { sqliteKeptAs: result.keptAs }),
  };
  if (printMachine("MigrateResult", view, opts.output)) return;
  const missing = result.counts.logs.missing;
  if (dryRun) {
    writeOut(
      `dry run: would copy the SQLite store to ${result.store}: ${describeCounts(result)}\n` +
        (missing > 0 ? `dry run: ${plural(missing, "step log")} named by runs no longer exist on disk and would not be copied\n` : "") +
        `dry run: every check passed and nothing was written: ${result.store} is as it was and this home still uses state.db; run again without --dry-run to move it\n`,
    );
    return;
  }
  writeOut(
    `copied the SQLite store to ${result.store}: ${describeCounts(result)}\n` +
      (missing > 0 ? `${plural(missing, "step log")} named by runs no longer exist on disk and were not copied\n` : "") +
      `this home now uses ${result.store} (.orchestrator/store-url); the SQLite store is kept as ${result.keptAs}\n` +
      `other homes on this store need this home's secret.key (and secret-keys/) before \`orchestrator init --store\`\n`,
  );
}
