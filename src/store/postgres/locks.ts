/**
 * @module Advisory lock keys and the fence: every write a controller makes
 * runs after `orchestrator_fence(epoch)`, which holds its controller row
 * (FOR KEY SHARE) to the end of the transaction and fails when the row is
 * gone, i.e. when another controller has taken over its lease. A takeover
 * deletes that row, so it waits for writes in flight, and none passes after.
 */
import type { Statement } from "./bridge.js";

/** First half of every advisory lock key this store takes ("orch"). */
const CLASS = 0x6f726368;

export const LOCK = {
  /** Migrations: two hosts starting together migrate once. */
  migrate: 1,
  /** writeTransaction: what it reads cannot change before it commits (SQLite's BEGIN IMMEDIATE). */
  write: 2,
  /** Event inserts, held to commit: event ids follow commit order, so a reader paging by id skips none. */
  events: 3,
} as const;

export function xactLock(key: number): Statement {
  return { sql: `SELECT pg_advisory_xact_lock(${CLASS}, ${key})` };
}

/** SQLSTATE of the fence's refusal (a user-defined class). */
export const LEASE_LOST_SQLSTATE = "OR001";

export const FENCE_FUNCTION_SQL = `
  CREATE OR REPLACE FUNCTION orchestrator_fence(want BIGINT) RETURNS void LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM 1 FROM controllers WHERE epoch = want FOR KEY SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'controller lease % is gone: another controller has taken over its tasks', want
        USING ERRCODE = '${LEASE_LOST_SQLSTATE}';
    END IF;
  END $$`;

export function fence(epoch: number): Statement {
  return { sql: "SELECT orchestrator_fence($1)", params: [epoch] };
}
