/**
 * @module A synchronous PostgreSQL connection. The Store interface is
 * synchronous (it grew up on better-sqlite3, and writeTransaction takes a
 * synchronous function), so the `pg` client runs on a worker thread and the
 * main thread waits for each answer (synckit: Atomics.wait, then the reply
 * read off a MessagePort). One call is one round trip to the worker, which
 * may run several statements in it. A transaction keeps one connection from
 * BEGIN to COMMIT; nested transactions are savepoints. Round trips are what
 * a store on PostgreSQL pays for, so what need not be answered at once
 * rides with the next request: BEGIN and its checks go with the
 * transaction's first statement, SAVEPOINT with the nested one's first, and
 * RELEASE with whatever follows; a transaction with no statement before its
 * commit is sent whole, in one request.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import type { BridgeReply, BridgeRequest, SqlValue, Statement, StatementResult } from "./bridge-protocol.js";
import { tallyRequest } from "./round-trip-tally.js";

export type { SqlValue, Statement } from "./bridge-protocol.js";

/** A statement PostgreSQL refused, with its SQLSTATE. */
export class PgError extends Error {
  override readonly name = "PgError";
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly constraint?: string,
  ) {
    super(message);
  }
}

type Call = (req: BridgeRequest) => BridgeReply;
let call: Call | undefined;

/** The compiled worker; from TypeScript sources (tests), the build's copy. */
function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const path = here.endsWith(".js") ? join(dirname(here), "bridge-worker.js") : resolve(dirname(here), "../../../dist/src/store/postgres/bridge-worker.js");
  if (!existsSync(path)) throw new Error(`the PostgreSQL store's worker ${path} is missing; run \`npm run build\``);
  return path;
}

function bridge(): Call {
  // Loaded on first use: commands on a SQLite store never pay for it.
  const { createSyncFn } = createRequire(import.meta.url)("synckit") as typeof import("synckit");
  call ??= createSyncFn<(req: BridgeRequest) => Promise<BridgeReply>>(workerPath());
  return call;
}

function send(req: BridgeRequest): BridgeReply & { ok: true } {
  tallyRequest(req);
  const reply = bridge()(req);
  if (!reply.ok) throw new PgError(reply.error.message, reply.error.code, reply.error.constraint);
  return reply;
}

export interface PgConnectionOptions {
  /** Connections the worker keeps open: one for reads, one for the open transaction. */
  maxConnections?: number;
  connectTimeoutMs?: number;
  applicationName?: string;
  /** The server ends a session left idle inside a transaction this long (its locks with it). Default 60 s. */
  idleInTransactionMs?: number;
}

interface Tx {
  /** The worker's transaction, once a request has opened it. */
  id: number | undefined;
  depth: number;
  /** Statements run just before COMMIT (events, so their ids follow commit order). */
  deferred: Statement[];
  /** Sent ahead of the next statements: BEGIN's checks and locks, savepoints and their releases. */
  ahead: Statement[];
}

export class PgConnection {
  private tx: Tx | undefined;
  private closed = false;
  /** Requests (round trips) this connection has made: what the store's speed on PostgreSQL comes down to. */
  requests = 0;

  private constructor(private readonly handle: number) {}

  static open(url: string, opts: PgConnectionOptions = {}): PgConnection {
    const reply = send({
      op: "open",
      url,
      maxConnections: opts.maxConnections ?? 3,
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      idleInTransactionMs: opts.idleInTransactionMs ?? 60_000,
      applicationName: opts.applicationName ?? "orchestrator",
    });
    return new PgConnection(reply.handle!);
  }

  private send(req: BridgeRequest): BridgeReply & { ok: true } {
    this.requests++;
    return send(req);
  }

  get inTransaction(): boolean {
    return this.tx !== undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.send({ op: "close", handle: this.handle });
  }

  /** Runs statements in order in one round trip (inside the open transaction, if any). */
  run(statements: readonly Statement[]): StatementResult[] {
    const tx = this.tx;
    if (!tx) return this.send({ op: "run", handle: this.handle, statements }).results!;
    const ahead = tx.ahead;
    tx.ahead = [];
    const all = ahead.length > 0 ? [...ahead, ...statements] : statements;
    let results: StatementResult[];
    if (tx.id === undefined) {
      const reply = this.send({ op: "begin", handle: this.handle, statements: all });
      tx.id = reply.tx!;
      results = reply.results!;
    } else results = this.send({ op: "run", handle: this.handle, tx: tx.id, statements: all }).results!;
    return ahead.length > 0 ? results.slice(ahead.length) : results;
  }

  /** BEGIN, the statements and COMMIT in one round trip; inside an open transaction, just the statements. */
  atomic(statements: readonly Statement[]): StatementResult[] {
    if (this.tx) return this.run(statements);
    return this.send({ op: "atomic", handle: this.handle, statements }).results!;
  }

  all<T>(sql: string, params: readonly SqlValue[] = []): T[] {
    return this.run([{ sql, params }])[0]!.rows as T[];
  }

  get<T>(sql: string, params: readonly SqlValue[] = []): T | undefined {
    return this.all<T>(sql, params)[0];
  }

  /** The first column of the first row. */
  value<T>(sql: string, params: readonly SqlValue[] = []): T | undefined {
    const rows = this.run([{ sql, params, rowMode: "array" }])[0]!.rows as unknown[][];
    return rows[0]?.[0] as T | undefined;
  }

  /** The first column of every row. */
  column<T>(sql: string, params: readonly SqlValue[] = []): T[] {
    return (this.run([{ sql, params, rowMode: "array" }])[0]!.rows as unknown[][]).map((r) => r[0] as T);
  }

  /** Rows changed. */
  exec(sql: string, params: readonly SqlValue[] = []): number {
    return this.run([{ sql, params }])[0]!.rowCount;
  }

  /**
   * Runs the statement right before the open transaction commits, after
   * `deferredPrelude` (a lock): what must be written in commit order. With
   * no transaction open, runs it now in one of its own.
   */
  defer(statement: Statement): void {
    if (this.tx) this.tx.deferred.push(statement);
    else this.transaction(() => undefined, [], [statement]);
  }

  /** Statements that come before deferred ones, once per transaction that has any. */
  deferredPrelude: Statement[] = [];

  /**
   * Runs fn in a transaction: `begin` statements (locks, checks) run right
   * after BEGIN in the same round trip. Inside another transaction, fn runs
   * in a savepoint and `begin` runs first inside it.
   */
  transaction<T>(fn: () => T, begin: readonly Statement[] = [], deferred: Statement[] = []): T {
    if (this.tx) return this.savepoint(fn, begin);
    // BEGIN and `begin` go with fn's first statement.
    const tx: Tx = { id: undefined, depth: 0, deferred, ahead: [...begin] };
    this.tx = tx;
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.tx = undefined;
      if (tx.id !== undefined) this.send({ op: "end", tx: tx.id, commit: false, statements: [] });
      throw err;
    }
    this.tx = undefined;
    // Deferred writes, their lock and COMMIT in one round trip: the lock is held for as short a time as can be.
    const last = tx.deferred.length > 0 ? [...this.deferredPrelude, ...tx.deferred] : [];
    if (tx.id !== undefined) this.send({ op: "end", tx: tx.id, commit: true, statements: [...tx.ahead, ...last] });
    // fn ran no statement: its deferred writes (after `begin`'s checks) are the whole transaction; with none, nothing was written.
    else if (last.length > 0) this.send({ op: "atomic", handle: this.handle, statements: [...tx.ahead, ...last] });
    return result;
  }

  private savepoint<T>(fn: () => T, begin: readonly Statement[]): T {
    const tx = this.tx!;
    const name = `sp${++tx.depth}`;
    // Sent with fn's first statement; while it has not been, there is nothing to release or roll back.
    const open: Statement = { sql: `SAVEPOINT ${name}` };
    const mark = tx.ahead.length;
    tx.ahead.push(open, ...begin);
    const unsent = (): boolean => tx.ahead[mark] === open;
    const pending = tx.deferred.length;
    try {
      const result = fn();
      if (unsent()) tx.ahead.length = mark;
      else tx.ahead.push({ sql: `RELEASE SAVEPOINT ${name}` });
      return result;
    } catch (err) {
      tx.deferred.length = pending;
      if (unsent()) tx.ahead.length = mark;
      else tx.ahead.push({ sql: `ROLLBACK TO SAVEPOINT ${name}` });
      throw err;
    } finally {
      tx.depth--;
    }
  }
}
