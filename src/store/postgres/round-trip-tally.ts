/**
 * @module A tally of a process's round trips to PostgreSQL, for measuring
 * what a store call costs: with `ORCHESTRATOR_PG_TALLY=<file>` set, each
 * request is counted by its kind (the bridge op and the first words of its
 * first statement, or of the one after a fence, lock or savepoint) and, when
 * the process exits, one JSON line `{pid, requests, byKind}` is appended to
 * the file. Off (no cost beyond one check) when the variable is unset.
 */
import { appendFileSync } from "node:fs";
import type { BridgeRequest, Statement } from "./bridge-protocol.js";

/** Statements that ride ahead of the one a request is for. */
const AHEAD = /^(SELECT orchestrator_fence|SELECT pg_advisory_xact_lock|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)/;

function kindOf(req: BridgeRequest): string {
  const statements: readonly Statement[] = "statements" in req ? req.statements : [];
  const main = statements.find((s) => !AHEAD.test(s.sql.trim())) ?? statements[0];
  const sql = main ? main.sql.replace(/\s+/g, " ").trim() : "";
  // `SELECT <columns> FROM t WHERE ...`: the table and condition say more than the column list.
  const short = sql.replace(/^SELECT .*? FROM /, "SELECT … FROM ").slice(0, 80);
  return `${req.op}${short ? `: ${short}` : ""}`;
}

interface Tally {
  requests: number;
  byKind: Map<string, number>;
}

let tally: Tally | undefined;
const file = process.env["ORCHESTRATOR_PG_TALLY"];
if (file) {
  const t: Tally = { requests: 0, byKind: new Map() };
  tally = t;
  process.on("exit", () => {
    const byKind = Object.fromEntries([...t.byKind].sort((a, b) => b[1] - a[1]));
    try {
      appendFileSync(file, `${JSON.stringify({ pid: process.pid, argv: process.argv.slice(2), requests: t.requests, byKind })}\n`);
    } catch {
      // A measurement aid: a file that cannot be written loses the figures, not the process.
    }
  });
}

/** Counts one request when the tally is on. */
export function tallyRequest(req: BridgeRequest): void {
  if (!tally) return;
  tally.requests++;
  const kind = kindOf(req);
  tally.byKind.set(kind, (tally.byKind.get(kind) ?? 0) + 1);
}
