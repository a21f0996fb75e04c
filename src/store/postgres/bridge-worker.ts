/**
 * @module The PostgreSQL side of the synchronous bridge: runs on a worker
 * thread, owns the `pg` pools, and answers one request at a time from the
 * store on the main thread (which waits for it; see bridge.ts). A
 * transaction is a client taken from the pool and kept until it ends, so
 * BEGIN, the statements inside and COMMIT share one connection. Errors come
 * back as data, never thrown, so their SQLSTATE codes reach the store.
 */
import { userInfo } from "node:os";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import pgpass from "pgpass";
import { runAsWorker } from "synckit";
import type { BridgeError, BridgeReply, BridgeRequest, Statement, StatementResult } from "./bridge-protocol.js";

// Counts and ids fit a double; the store's rows carry numbers, as SQLite's do.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

const pools = new Map<number, pg.Pool>();
const transactions = new Map<number, pg.PoolClient>();
let nextHandle = 1;

async function run(client: pg.Pool | pg.PoolClient, s: Statement): Promise<StatementResult> {
  const config: pg.QueryConfig = { text: s.sql, values: (s.params ?? []) as unknown[] };
  const r: pg.QueryResult = s.rowMode === "array" ? await client.query({ ...config, rowMode: "array" }) : await client.query(config);
  return { rows: r.rows as StatementResult["rows"], rowCount: r.rowCount ?? 0 };
}

async function runAll(client: pg.Pool | pg.PoolClient, statements: readonly Statement[]): Promise<StatementResult[]> {
  const out: StatementResult[] = [];
  for (const s of statements) out.push(await run(client, s));
  return out;
}

/** COMMIT, which PostgreSQL answers with ROLLBACK (and no error) when a statement of the transaction failed: never reported as written. */
async function commit(client: pg.PoolClient): Promise<void> {
  const r = await client.query("COMMIT");
  if (r.command === "ROLLBACK") throw new Error("the transaction was rolled back: one of its statements failed, and nothing of it was written");
}

/**
 * The statements on `client`: after BEGIN when `begin`, then COMMIT when
 * `commit` (else the transaction stays open on the client for the next
 * request). An error rolls the transaction back (a failed ROLLBACK is
 * ignored: the first error is the one reported) and, as the transaction's
 * end does, gives the client back to the pool.
 */
async function transact(client: pg.PoolClient, statements: readonly Statement[], steps: { begin: boolean; commit: boolean }): Promise<StatementResult[]> {
  let over = steps.commit;
  try {
    if (steps.begin) await client.query("BEGIN");
    const results = await runAll(client, statements);
    if (steps.commit) await commit(client);
    return results;
  } catch (err) {
    over = true;
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    if (over) client.release();
  }
}

function errorOf(err: unknown): BridgeError {
  const e = err as Partial<pg.DatabaseError> & Error;
  const out: BridgeError = { message: e.message ?? String(err) };
  if (typeof e.code === "string") out.code = e.code;
  if (typeof e.detail === "string") out.detail = e.detail;
  if (typeof e.constraint === "string") out.constraint = e.constraint;
  return out;
}

/**
 * The password when the URL has none: PGPASSWORD, else ~/.pgpass (PGPASSFILE)
 * for the connection's host, port, database and user, as libpq looks it up.
 * pg 8 does the same on its own, but prints a deprecation warning with it.
 */
async function lookUpPassword(parsed: pg.ClientConfig): Promise<string> {
  const env = process.env;
  if (env["PGPASSWORD"] !== undefined) return env["PGPASSWORD"];
  const user = parsed.user ?? env["PGUSER"] ?? userInfo().username;
  const where = { host: parsed.host ?? env["PGHOST"] ?? "localhost", port: parsed.port ?? env["PGPORT"] ?? 5432, database: parsed.database ?? env["PGDATABASE"] ?? user, user };
  const found = await new Promise<string | undefined>((resolve) => pgpass(where, resolve));
  if (found === undefined) throw new Error("the server asks for a password and none was given: put it in ~/.pgpass (or PGPASSFILE), PGPASSWORD or the URL");
  return found;
}

/** The URL's fields as pg's options (not as a connection string, whose empty password would win over the lookup). */
function clientConfig(url: string, ours: string): pg.PoolConfig {
  const parsed = parseIntoClientConfig(url);
  const options = [parsed.options, ours].filter(Boolean).join(" ");
  return { ...parsed, options, password: parsed.password || (() => lookUpPassword(parsed)) };
}

async function handle(req: BridgeRequest): Promise<BridgeReply> {
  switch (req.op) {
    case "open": {
      const pool = new pg.Pool({
        // A transaction left open by a host that hangs must not hold its locks for ever.
        ...clientConfig(req.url, `-c idle_in_transaction_session_timeout=${req.idleInTransactionMs}`),
        max: req.maxConnections,
        connectionTimeoutMillis: req.connectTimeoutMs,
        idleTimeoutMillis: 30_000,
        application_name: req.applicationName,
      });
      // An idle client's connection dropping is reported on the next query; do not crash the thread.
      pool.on("error", () => undefined);
      const id = nextHandle++;
      pools.set(id, pool);
      // Connect now, so a wrong URL fails at open with the server's message.
      const client = await pool.connect();
      client.release();
      return { ok: true, handle: id };
    }
    case "close": {
      const pool = pools.get(req.handle);
      pools.delete(req.handle);
      await pool?.end();
      return { ok: true };
    }
    case "run": {
      const target = req.tx !== undefined ? transactions.get(req.tx) : pools.get(req.handle);
      if (!target) return { ok: false, error: { message: "the store's connection is closed" } };
      return { ok: true, results: await runAll(target, req.statements) };
    }
    case "begin": {
      const pool = pools.get(req.handle);
      if (!pool) return { ok: false, error: { message: "the store's connection is closed" } };
      const client = await pool.connect();
      const results = await transact(client, req.statements, { begin: true, commit: false });
      const id = nextHandle++;
      transactions.set(id, client);
      return { ok: true, tx: id, results };
    }
    case "end": {
      const client = transactions.get(req.tx);
      if (!client) return { ok: false, error: { message: "the transaction has already ended" } };
      transactions.delete(req.tx);
      if (req.commit) return { ok: true, results: await transact(client, req.statements, { begin: false, commit: true }) };
      try {
        await client.query("ROLLBACK");
      } finally {
        client.release();
      }
      return { ok: true, results: [] };
    }
    case "atomic": {
      const pool = pools.get(req.handle);
      if (!pool) return { ok: false, error: { message: "the store's connection is closed" } };
      return { ok: true, results: await transact(await pool.connect(), req.statements, { begin: true, commit: true }) };
    }
  }
}

runAsWorker(async (req: BridgeRequest): Promise<BridgeReply> => {
  try {
    return await handle(req);
  } catch (err) {
    return { ok: false, error: errorOf(err) };
  }
});
