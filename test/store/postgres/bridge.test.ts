/**
 * The synchronous PostgreSQL connection, on a real server: what waits for
 * the next request does (a transaction's checks go with its first
 * statement, a savepoint with the nested transaction's first, a transaction
 * with nothing but deferred writes is one request), a nested transaction
 * that fails undoes only its own writes whether or not it ran a statement,
 * and a transaction whose statement failed is never reported committed.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PgConnection, PgError } from "../../../src/store/postgres/bridge.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../../support/postgres.js";

describe.skipIf(postgresUnavailable !== undefined)("PgConnection", () => {
  let server: PostgresServer;
  let db: PgConnection;
  let url: string;
  beforeAll(async () => {
    server = await startPostgres();
    url = server.createDatabase();
    db = PgConnection.open(url);
    db.exec("CREATE TABLE t (v TEXT PRIMARY KEY)");
  });
  afterAll(() => {
    db?.close();
    server?.stop();
  });
  afterEach(() => {
    db.exec("DELETE FROM t");
  });

  const rows = (): string[] => db.column<string>("SELECT v FROM t ORDER BY v");
  /** Requests fn makes. */
  const requests = (fn: () => void): number => {
    const before = db.requests;
    fn();
    return db.requests - before;
  };
  const insert = (v: string) => ({ sql: "INSERT INTO t (v) VALUES ($1)", params: [v] });
  const boom = new Error("boom");

  it("sends a transaction's checks with its first statement, and commits in one more request", () => {
    let seen: string | undefined;
    expect(
      requests(() =>
        db.transaction(() => {
          seen = db.value<string>("SELECT current_setting('test.mark')");
          db.run([insert("a")]);
        }, [{ sql: "SELECT set_config('test.mark', 'set-at-begin', true)" }]),
      ),
    ).toBe(3);
    expect(seen).toBe("set-at-begin");
    expect(rows()).toEqual(["a"]);
  });

  it("sends a transaction that only defers writes as one request, and one with nothing as none", () => {
    expect(requests(() => db.transaction(() => db.defer(insert("deferred")), [{ sql: "SELECT 1" }]))).toBe(1);
    expect(requests(() => db.defer(insert("alone")))).toBe(1);
    expect(requests(() => db.transaction(() => undefined, [{ sql: "SELECT pg_advisory_xact_lock(1)" }]))).toBe(0);
    expect(rows()).toEqual(["alone", "deferred"]);
    expect(requests(() => db.atomic([insert("x"), insert("y")]))).toBe(1);
    expect(() => db.atomic([insert("z"), insert("x")])).toThrow(PgError);
    expect(rows()).toEqual(["alone", "deferred", "x", "y"]);
  });

  it("undoes a failed nested transaction's writes only, and its savepoint travels with the requests around it", () => {
    const n = requests(() =>
      db.transaction(() => {
        db.run([insert("outer-1")]);
        expect(() =>
          db.transaction(() => {
            db.run([insert("inner")]);
            throw boom;
          }),
        ).toThrow(boom);
        db.run([insert("outer-2")]);
      }),
    );
    // outer-1 (with BEGIN), inner (with SAVEPOINT), outer-2 (with ROLLBACK TO), COMMIT.
    expect(n).toBe(4);
    expect(rows()).toEqual(["outer-1", "outer-2"]);
    // A nested transaction that succeeds keeps its writes; its release goes with COMMIT.
    expect(requests(() => db.transaction(() => db.transaction(() => db.run([insert("kept")]))))).toBe(2);
    expect(rows()).toContain("kept");
  });

  it("sends no savepoint for a nested transaction that ran no statement, and drops its deferred writes when it fails", () => {
    const n = requests(() =>
      db.transaction(() => {
        db.run([insert("before")]);
        expect(() =>
          db.transaction(() => {
            db.defer(insert("never"));
            throw boom;
          }, [{ sql: "SELECT pg_advisory_xact_lock(2)" }]),
        ).toThrow(boom);
        db.transaction(() => undefined, [{ sql: "SELECT pg_advisory_xact_lock(3)" }]);
      }),
    );
    expect(n).toBe(2);
    expect(rows()).toEqual(["before"]);
  });

  it("recovers from a failed statement in a nested transaction that the outer one catches", () => {
    db.run([insert("dup")]);
    db.transaction(() => {
      db.run([insert("one")]);
      expect(() => db.transaction(() => db.run([insert("dup")]))).toThrow(/duplicate key/);
      db.run([insert("two")]);
    });
    expect(rows()).toEqual(["dup", "one", "two"]);
  });

  it("never reports as committed a transaction one of whose statements failed, even when the failure was caught", () => {
    db.run([insert("dup")]);
    expect(() =>
      db.transaction(() => {
        db.run([insert("lost")]);
        try {
          db.run([insert("dup")]);
        } catch {
          // swallowed: the transaction is aborted all the same
        }
      }),
    ).toThrow(/the transaction was rolled back: one of its statements failed/);
    expect(rows()).toEqual(["dup"]);
    expect(db.inTransaction).toBe(false);
  });

  it("with ORCHESTRATOR_PG_TALLY set, a process appends its requests by kind to that file when it exits", () => {
    const dir = mkdtempSync(join(tmpdir(), "orch-tally-"));
    try {
      const file = join(dir, "tally.jsonl");
      const bridge = resolve(import.meta.dirname, "../../../dist/src/store/postgres/bridge.js");
      const script = `const { PgConnection } = await import(${JSON.stringify(bridge)});
        const c = PgConnection.open(process.env.URL);
        c.value("SELECT count(*) FROM t");
        c.transaction(() => c.value("SELECT 1"), [{ sql: "SELECT pg_advisory_xact_lock(7)" }]);
        c.close();`;
      execFileSync(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, URL: url, ORCHESTRATOR_PG_TALLY: file } });
      const [line, ...more] = readFileSync(file, "utf8").trim().split("\n");
      expect(more).toEqual([]);
      const tally = JSON.parse(line!) as { requests: number; byKind: Record<string, number> };
      // A select is named by its table, and a lock riding ahead by the statement it came with.
      expect(tally.byKind).toEqual({ open: 1, "run: SELECT … FROM t": 1, "begin: SELECT 1": 1, end: 1, close: 1 });
      expect(tally.requests).toBe(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
