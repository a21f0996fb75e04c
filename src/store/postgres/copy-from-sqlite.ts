/**
 * @module Copying a home's SQLite store (state.db) into an empty PostgreSQL
 * database, for `orchestrator db migrate --to`. Every table is copied row
 * for row (ids kept, so event cursors and paging stay valid; items, runs and
 * workflow store entries in insertion order, which the PostgreSQL store's
 * `seq` columns take from it); SecretStore values stay sealed as they are,
 * with the keyring's states and history; step logs, files in this home,
 * are copied into `log_chunks` so every host reads them. The whole copy,
 * schema included, is one PostgreSQL transaction: a refusal or a failure
 * leaves the database as it was. A dry run does all of it, logs aside
 * (they are opened and measured, not sent), and rolls the transaction back.
 * The caller holds the SQLite store's write lock for the duration, so
 * nothing is written there meanwhile.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { Database } from "better-sqlite3";
import type { PgConnection, SqlValue, Statement } from "./bridge.js";
import { LOCK, xactLock } from "./locks.js";
import { migratePg } from "./migrate.js";
import { named } from "./sql.js";
import { displayText } from "../display-text.js";

/** The database already holds something: nothing was copied. */
export class TargetNotEmptyError extends Error {
  override readonly name = "TargetNotEmptyError";
}

export interface CopiedTable {
  table: string;
  /** SQLite's order of reading: insertion order where PostgreSQL numbers rows as they come (`seq`). */
  order: string;
  /** A serial column whose values are kept, and whose sequence then starts after the largest. */
  serial?: string;
  /** The columns that name a row, in an error about it. */
  key: string;
}

/** Every table of the SQLite store is here or in NOT_COPIED; a table in neither stops the copy before it starts. */
export const COPIED_TABLES = [
  { table: "resources", order: "id", serial: "id", key: "project, kind, name" },
  { table: "events", order: "id", serial: "id", key: "id" },
  { table: "tasks", order: "rowid", key: "id" },
  { table: "items", order: "rowid", key: "id" },
  { table: "runs", order: "rowid", key: "id" },
  { table: "source_inventory", order: "source, project, kind, name", key: "source, project, kind, name" },
  { table: "reconcile_requests", order: "id", serial: "id", key: "id" },
  { table: "agent_states", order: "project, name", key: "project, name" },
  { table: "secret_keys", order: "rowid", key: "id" },
  { table: "secret_key_history", order: "id", serial: "id", key: "id" },
  { table: "workflow_store_entries", order: "rowid", key: "project, store, key" },
  { table: "trigger_deliveries", order: "received_at, project, trigger_name, delivery_id", key: "project, trigger_name, delivery_id" },
] as const satisfies readonly CopiedTable[];

/** A copied table's name: what `CopyCounts.tables` is keyed by, so a summary can be checked to name every one. */
export type CopiedTableName = (typeof COPIED_TABLES)[number]["table"];

/**
 * Columns of text for people that both stores keep with each NUL written as
 * `\0` (see display-text.ts): a NUL an older version stored there is copied
 * that way. A NUL in any other text column stops the copy before it starts.
 */
export const DISPLAY_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  events: ["message"],
  tasks: ["message"],
  runs: ["reason", "command"],
};

/** A text value PostgreSQL cannot hold (a NUL byte) outside the display columns: nothing was copied. */
export class NulInTextError extends Error {
  override readonly name = "NulInTextError";
}

/** Tables not copied as rows, and why. */
export const NOT_COPIED: Readonly<Record<string, string>> = {
  schema_migrations: "each store numbers its own migrations",
  meta: "copied key by key, without the SQLite store's controller records",
  workflow_store_counts: "the PostgreSQL store's triggers count the entries as they are copied",
};

/** Tables the PostgreSQL store alone has: empty in a database that holds no store yet. */
const PG_ONLY = ["controllers", "leaders", "log_chunks"];

/** Meta keys of the SQLite store that mean nothing in PostgreSQL (controllers register in their own table there). */
const LOCAL_META = /^controller\./;

/** Bytes of a step log per `log_chunks` row, as the controllers' log shipper writes them. */
const LOG_CHUNK = 256 * 1024;
/** Bytes of log sent in one statement. */
const LOG_BATCH_BYTES = 4 * 1024 * 1024;
/** PostgreSQL takes at most 65535 parameters per statement. */
const MAX_PARAMS = 30_000;

export interface CopyCounts {
  /** Rows copied per table (every table of COPIED_TABLES). */
  tables: Record<CopiedTableName, number>;
  /** Step logs copied into the store, their bytes, and runs whose log file was gone. */
  logs: { files: number; bytes: number; missing: number };
  /** Meta keys copied. */
  meta: number;
}

export interface CopyOptions {
  /** The database as shown to people (no password). */
  label: string;
  /** Where relative log paths are resolved: the project root. */
  root: string;
  /** Meta values written beside the copied ones (the secret key check). */
  extraMeta: Record<string, string>;
  /** The event the copy records last, in the copied history. */
  event: { message: string; actor: string };
  /**
   * Copy, check and count everything, then roll the transaction back: the
   * database is left as it was (no schema either). Step logs are opened and
   * measured rather than sent.
   */
  dryRun?: boolean;
}

/** Carries a dry run's counts out of the transaction it rolls back. */
class DryRunRollback extends Error {
  constructor(readonly counts: CopyCounts) {
    super("dry run: rolled back");
  }
}

const quote = (id: string): string => `"${id.replace(/"/g, '""')}"`;

/** The tables of the SQLite store: each must be copied or knowingly left. */
export function sqliteTables(source: Database): string[] {
  return source.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
}

/** Tables this version does not know how to copy (a newer SQLite store's); empty when all are known. */
export function unknownTables(source: Database): string[] {
  const known = new Set([...COPIED_TABLES.map((t) => t.table), ...Object.keys(NOT_COPIED)]);
  return sqliteTables(source).filter((t) => !known.has(t));
}

/**
 * Refuses a database that holds anything: tables of something else, or an
 * orchestrator store with data in it (one that only has the schema, which
 * any command run on it creates, is empty).
 */
function assertEmpty(target: PgConnection, label: string, phase: "before" | "after"): void {
  const tables = target.column<string>(
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname",
  );
  if (phase === "before") {
    if (tables.length > 0 && !tables.includes("schema_migrations")) {
      const shown = tables.slice(0, 5).join(", ") + (tables.length > 5 ? `, ... (${tables.length} in all)` : "");
      throw new TargetNotEmptyError(`the database at ${label} is not empty: it holds tables of something else (${shown}); give an empty database (createdb NAME)`);
    }
    return;
  }
  const data = [...COPIED_TABLES.map((t) => t.table).filter((t) => !t.startsWith("secret_key")), ...PG_ONLY];
  const counts = target.get<Record<string, number>>(`SELECT ${data.map((t) => `(SELECT count(*) FROM ${quote(t)}) AS ${quote(t)}`).join(", ")}`)!;
  const held = Object.entries(counts).filter(([, n]) => n > 0);
  const sealed = target.value<string>("SELECT value FROM meta WHERE key = 'secret_key_check'") !== undefined;
  if (held.length > 0 || sealed) {
    const what = held.length > 0 ? held.map(([t, n]) => `${t.replace(/_/g, " ")}: ${n}`).join(", ") : "a home's secret key check (`init --store` was run on it)";
    throw new TargetNotEmptyError(`the database at ${label} already holds an orchestrator store (${what}); give an empty database, or run the homes that use it against it as they are`);
  }
}

/** Columns of a table in the PostgreSQL store; a SQLite column with no place there stops the copy. */
function columnsFor(source: Database, target: PgConnection, table: string): string[] {
  const theirs = new Set(target.column<string>("SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", [table]));
  const ours = (source.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
  const missing = ours.filter((c) => !theirs.has(c));
  if (missing.length > 0) throw new Error(`the PostgreSQL store has no column ${missing.join(", ")} for table ${table}; nothing was copied`);
  return ours;
}

/** The value as PostgreSQL text takes it: a NUL in a display column written as `\0`. */
function displayRow(table: string, columns: readonly string[]): ((row: unknown[]) => unknown[]) | undefined {
  const display = DISPLAY_COLUMNS[table];
  if (!display) return undefined;
  const at = columns.flatMap((c, i) => (display.includes(c) ? [i] : []));
  return (row) => {
    for (const i of at) if (typeof row[i] === "string") row[i] = displayText(row[i]);
    return row;
  };
}

/**
 * Refuses, before anything is written, a SQLite store that holds a NUL in a
 * text value PostgreSQL cannot take (outside the display columns), naming
 * the first such row and column.
 */
export function assertNoNulText(source: Database): void {
  const tables: ReadonlyArray<{ table: string; key: string }> = [...COPIED_TABLES, { table: "meta", key: "key" }];
  for (const t of tables) {
    const display = DISPLAY_COLUMNS[t.table] ?? [];
    const columns = (source.prepare("SELECT name FROM pragma_table_info(?)").pluck().all(t.table) as string[]).filter((c) => !display.includes(c));
    // As bytes: SQLite's text functions may stop at a NUL. One pass over the table, whichever column holds it.
    const nul = (c: string): string => `(typeof(${quote(c)}) = 'text' AND instr(CAST(${quote(c)} AS BLOB), x'00') > 0)`;
    const row = source
      .prepare(`SELECT ${t.key}, ${columns.map((c, i) => `${nul(c)} AS "nul:${i}"`).join(", ")} FROM ${quote(t.table)} WHERE ${columns.map(nul).join(" OR ")} LIMIT 1`)
      .get() as Record<string, unknown> | undefined;
    if (!row) continue;
    const column = columns.find((_, i) => row[`nul:${i}`] === 1) ?? "?";
    const named = Object.entries(row)
      .filter(([k]) => !k.startsWith("nul:"))
      .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
      .join(", ");
    throw new NulInTextError(
      `table ${t.table}, row ${named}: column ${column} holds a NUL byte (\\0), which PostgreSQL text cannot store; remove it from that value in the SQLite store (for a resource, apply its manifest again without it), then run db migrate again`,
    );
  }
}

function insertStatement(table: string, columns: readonly string[], rows: readonly unknown[][]): Statement {
  const params: SqlValue[] = [];
  const values = rows.map((row) => `(${row.map((v) => `$${params.push(v as SqlValue)}`).join(", ")})`);
  return { sql: `INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES ${values.join(", ")}`, params };
}

function copyTable(source: Database, target: PgConnection, t: CopiedTable): number {
  const columns = columnsFor(source, target, t.table);
  const batch = Math.max(1, Math.min(1000, Math.floor(MAX_PARAMS / columns.length)));
  const read = source.prepare(`SELECT ${columns.map(quote).join(", ")} FROM ${quote(t.table)} ORDER BY ${t.order}`).raw(true);
  const display = displayRow(t.table, columns);
  let rows: unknown[][] = [];
  let count = 0;
  for (const row of read.iterate() as IterableIterator<unknown[]>) {
    rows.push(display ? display(row) : row);
    if (rows.length === batch) {
      target.run([insertStatement(t.table, columns, rows)]);
      count += rows.length;
      rows = [];
    }
  }
  if (rows.length > 0) {
    target.run([insertStatement(t.table, columns, rows)]);
    count += rows.length;
  }
  if (t.serial) {
    const s = quote(t.serial);
    target.run([{ sql: `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(${s}), 0) + 1, false) FROM ${quote(t.table)}`, params: [t.table, t.serial] }]);
  }
  return count;
}

/** Each run's log file, in chunks, as the log shipper would have stored them; with `measureOnly`, opened and measured, nothing sent. */
function copyLogs(source: Database, target: PgConnection, root: string, measureOnly: boolean): CopyCounts["logs"] {
  const out = { files: 0, bytes: 0, missing: 0 };
  const runs = source.prepare("SELECT id, log_path FROM runs WHERE log_path IS NOT NULL ORDER BY rowid").all() as Array<{ id: string; log_path: string }>;
  const buf = Buffer.allocUnsafe(LOG_CHUNK);
  let pending: unknown[][] = [];
  let pendingBytes = 0;
  const flush = (): void => {
    if (pending.length > 0) target.run([insertStatement("log_chunks", ["run_id", "offset", "data"], pending)]);
    pending = [];
    pendingBytes = 0;
  };
  for (const run of runs) {
    let fd: number;
    try {
      fd = openSync(isAbsolute(run.log_path) ? run.log_path : resolve(root, run.log_path), "r");
    } catch {
      out.missing++;
      continue;
    }
    try {
      if (measureOnly) {
        out.files++;
        out.bytes += fstatSync(fd).size;
        continue;
      }
      let offset = 0;
      for (;;) {
        const n = readSync(fd, buf, 0, LOG_CHUNK, offset);
        if (n === 0) break;
        pending.push([run.id, offset, Buffer.from(buf.subarray(0, n))]);
        pendingBytes += n;
        offset += n;
        if (pendingBytes >= LOG_BATCH_BYTES) flush();
      }
      out.files++;
      out.bytes += offset;
    } finally {
      closeSync(fd);
    }
  }
  flush();
  return out;
}

/**
 * Copies the SQLite store into the PostgreSQL database in one transaction,
 * creating its schema; throws TargetNotEmptyError (nothing written) when the
 * database holds anything already. With `dryRun`, the same, rolled back.
 */
export function copySqliteToPg(source: Database, target: PgConnection, opts: CopyOptions): CopyCounts {
  try {
    return copyInTransaction(source, target, opts);
  } catch (err) {
    if (err instanceof DryRunRollback) return err.counts;
    throw err;
  }
}

function copyInTransaction(source: Database, target: PgConnection, opts: CopyOptions): CopyCounts {
  const unknown = unknownTables(source);
  if (unknown.length > 0) throw new Error(`the SQLite store has tables this version cannot copy (${unknown.join(", ")}); use the orchestrator version that made it`);
  assertNoNulText(source);
  return target.transaction((): CopyCounts => {
    assertEmpty(target, opts.label, "before");
    migratePg(target, opts.label);
    // Another home's `init --store` writes its key check to meta: it waits for this copy, then finds the copied one.
    target.run([{ sql: "LOCK TABLE meta IN EXCLUSIVE MODE" }]);
    assertEmpty(target, opts.label, "after");
    // The migration seeds the keyring with `k1`; the copied keyring replaces it.
    target.run([{ sql: "DELETE FROM secret_key_history" }, { sql: "DELETE FROM secret_keys" }]);
    const tables = {} as Record<CopiedTableName, number>;
    for (const t of COPIED_TABLES) {
      try {
        tables[t.table] = copyTable(source, target, t);
      } catch (err) {
        throw new Error(`table ${t.table}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const logs = copyLogs(source, target, opts.root, opts.dryRun === true);
    // After the resources: their inserts moved resources_version, which takes the SQLite store's value.
    const meta = (source.prepare("SELECT key, value FROM meta ORDER BY key").all() as Array<{ key: string; value: string }>).filter((m) => !LOCAL_META.test(m.key));
    const upsert = "INSERT INTO meta (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    target.run([...meta, ...Object.entries(opts.extraMeta).map(([key, value]) => ({ key, value }))].map((m) => named(upsert, m)));
    target.run([
      named("INSERT INTO events (ts, type, message, actor, data) VALUES (@ts, 'store_migrated', @message, @actor, @data)", {
        ts: new Date().toISOString(),
        message: opts.event.message,
        actor: opts.event.actor,
        data: JSON.stringify({ tables, logs }),
      }),
    ]);
    const counts: CopyCounts = { tables, logs, meta: meta.length };
    // Thrown out of the transaction, which rolls it back: schema, rows and event with it.
    if (opts.dryRun) throw new DryRunRollback(counts);
    return counts;
  }, [xactLock(LOCK.migrate), xactLock(LOCK.write), xactLock(LOCK.events)]);
}
