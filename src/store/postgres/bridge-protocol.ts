/**
 * @module The messages between the PostgreSQL store (main thread) and its
 * bridge worker: plain data, so they cross threads by structured clone.
 */

export type SqlValue = string | number | boolean | null | Buffer | Uint8Array | readonly (string | number | null)[];

export interface Statement {
  sql: string;
  params?: readonly SqlValue[];
  /** Rows as arrays rather than objects (for `pluck`). */
  rowMode?: "array";
}

export interface StatementResult {
  rows: Record<string, unknown>[] | unknown[][];
  rowCount: number;
}

export interface BridgeError {
  message: string;
  /** SQLSTATE, e.g. 23505 for a unique violation. */
  code?: string;
  detail?: string;
  constraint?: string;
}

export type BridgeRequest =
  | { op: "open"; url: string; maxConnections: number; connectTimeoutMs: number; idleInTransactionMs: number; applicationName: string }
  | { op: "close"; handle: number }
  /** Statements in order, on the transaction's client when `tx` is given, else each on any pooled connection. */
  | { op: "run"; handle: number; tx?: number; statements: readonly Statement[] }
  /** BEGIN on a client of its own, then the statements (locks, a fence check). */
  | { op: "begin"; handle: number; statements: readonly Statement[] }
  /** The statements, then COMMIT; or ROLLBACK when `commit` is false. The client goes back to the pool. */
  | { op: "end"; tx: number; commit: boolean; statements: readonly Statement[] }
  /** BEGIN, the statements, COMMIT: a whole transaction in one round trip. */
  | { op: "atomic"; handle: number; statements: readonly Statement[] };

export type BridgeReply =
  | { ok: true; handle?: number; tx?: number; results?: StatementResult[] }
  | { ok: false; error: BridgeError };
