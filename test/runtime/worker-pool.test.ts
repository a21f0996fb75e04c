import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Effect, Exit, Scope } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { isProcessAlive, isProcessGroupAlive } from "../../src/engine/process/process-group.js";
import { runProcess, runProcessEffect } from "../../src/engine/process/run-process.js";
import { makeWorkerPool, startWorkerPool, type WorkerPool } from "../../src/runtime/worker-pool.js";

const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop(0)));
});

function track(pool: WorkerPool): WorkerPool {
  pools.push(pool);
  return pool;
}

/** Polls `check`; on timeout says which condition it was and, from `seen`, what was there instead. */
async function waitFor(check: () => boolean, timeoutMs = 60_000, seen?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${check.toString()}${seen ? `; last seen: ${seen()}` : ""}`);
    await sleep(5);
  }
}

/** An in-memory queue standing in for the store's atomic claim. */
function queueOf<T>(items: T[]) {
  const queue = [...items];
  let claims = 0;
  return {
    queue,
    claim: async () => {
      claims++;
      return queue.shift();
    },
    claims: () => claims,
  };
}

describe("startWorkerPool", () => {
  it("never runs more than N jobs at once, and does run N in parallel", async () => {
    const q = queueOf(Array.from({ length: 12 }, (_, i) => i));
    let current = 0;
    let peak = 0;
    const done: number[] = [];
    // Each job holds until the test lets the running ones go, which it does only once three run.
    let release: () => void = () => {};
    let gate = new Promise<void>((r) => (release = r));
    track(
      startWorkerPool({
        workers: 3,
        claim: q.claim,
        pollMs: 20,
        run: async (job) => {
          current++;
          peak = Math.max(peak, current);
          await gate;
          current--;
          done.push(job);
        },
      }),
    );
    for (let round = 0; round < 4; round++) {
      await waitFor(() => current === 3, 60_000, () => `${current} running, done ${JSON.stringify(done)}`);
      const open = release;
      gate = new Promise<void>((r) => (release = r));
      open();
      await waitFor(() => done.length === 3 * (round + 1), 60_000, () => `${current} running, done ${JSON.stringify(done)}`);
    }
    expect(peak).toBe(3);
    expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it("polls an empty queue and picks up a job enqueued later", async () => {
    const q = queueOf<string>([]);
    const ran: string[] = [];
    track(startWorkerPool({ workers: 1, claim: q.claim, pollMs: 30, run: async (job) => void ran.push(job) }));
    await waitFor(() => q.claims() >= 2, 60_000, () => `${q.claims()} claim(s)`);
    q.queue.push("late");
    await waitFor(() => ran.length === 1, 60_000, () => `ran ${JSON.stringify(ran)}`);
    expect(ran).toEqual(["late"]);
  });

  it("wake() claims at once instead of waiting out the poll interval", async () => {
    const q = queueOf<string>([]);
    const ran: string[] = [];
    const pool = track(
      startWorkerPool({ workers: 2, claim: q.claim, pollMs: 60_000, run: async (job) => void ran.push(job) }),
    );
    await waitFor(() => q.claims() === 1, 60_000, () => `${q.claims()} claim(s)`);
    q.queue.push("now");
    expect(ran).toEqual([]);
    pool.wake();
    // Well inside the 60 s poll interval.
    await waitFor(() => ran.length === 1, 30_000, () => `ran ${JSON.stringify(ran)}`);
  });

  it("graceful stop stops claiming and waits for running jobs to finish", async () => {
    const q = queueOf(["a", "b", "c", "d"]);
    const finished: string[] = [];
    const aborted: string[] = [];
    const pool = startWorkerPool({
      workers: 2,
      claim: q.claim,
      pollMs: 20,
      run: async (job, signal) => {
        signal.addEventListener("abort", () => aborted.push(job));
        await sleep(200);
        finished.push(job);
      },
    });
    await waitFor(() => pool.running === 2, 60_000, () => `${pool.running} running`);
    const claimsAtStop = q.claims();
    await pool.stop(5000);
    expect(finished.sort()).toEqual(["a", "b"]);
    expect(aborted).toEqual([]);
    expect(q.claims()).toBe(claimsAtStop);
    expect(q.queue).toEqual(["c", "d"]);
    expect(pool.running).toBe(0);
  });

  it("interrupts jobs still running after the grace period, killing their process groups", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orch-pool-"));
    try {
      const logPath = (job: number) => join(dir, `job-${job}.log`);
      const q = queueOf([1, 2]);
      const pgids: number[] = [];
      const results: { cancelled: boolean }[] = [];
      const pool = startWorkerPool({
        workers: 2,
        claim: q.claim,
        run: async (job, signal) => {
          results.push(
            await runProcess({
              command: "sleep 100 & echo $!; sleep 100",
              env: {},
              cwd: dir,
              logPath: logPath(job),
              signal,
              killGraceMs: 1000,
              onStart: (s) => void pgids.push(s.pgid),
            }),
          );
        },
      });
      await waitFor(() => pgids.length === 2 && [1, 2].every((j) => /^\d+$/m.test(readLog(logPath(j)))));
      const grandchildren = [1, 2].map((j) => Number(/^(\d+)$/m.exec(readLog(logPath(j)))![1]));
      const started = Date.now();
      await pool.stop(100);
      // Long before the jobs' 100 s sleeps end: stop did not wait them out.
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(results.map((r) => r.cancelled)).toEqual([true, true]);
      for (const pgid of pgids) expect(isProcessGroupAlive(pgid)).toBe(false);
      for (const pid of grandchildren) expect(isProcessAlive(pid)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports a failing job and keeps going", async () => {
    const q = queueOf(["bad", "good"]);
    const errors: [string, unknown][] = [];
    const ran: string[] = [];
    track(
      startWorkerPool({
        workers: 1,
        claim: q.claim,
        pollMs: 20,
        onError: (error, job) => errors.push([String(job), error]),
        run: async (job) => {
          if (job === "bad") throw new Error("boom");
          ran.push(job);
        },
      }),
    );
    await waitFor(() => ran.length === 1, 60_000, () => `ran ${JSON.stringify(ran)}`);
    expect(errors).toHaveLength(1);
    expect(errors[0]![0]).toBe("bad");
    expect((errors[0]![1] as Error).message).toBe("boom");
  });

  it("reports a failing claim, backs off, and claims again", async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const ran: string[] = [];
    track(
      startWorkerPool({
        workers: 1,
        pollMs: 20,
        claim: async () => {
          calls++;
          if (calls === 1) throw new Error("database is locked");
          return calls === 2 ? "job" : undefined;
        },
        onError: (error, job) => {
          expect(job).toBeUndefined();
          errors.push(error);
        },
        run: async (job) => void ran.push(job),
      }),
    );
    await waitFor(() => ran.length === 1, 60_000, () => `ran ${JSON.stringify(ran)}`);
    expect((errors[0] as Error).message).toBe("database is locked");
  });

  it("stop is idempotent", async () => {
    const pool = startWorkerPool({ workers: 1, claim: async () => undefined, run: async () => {} });
    await Promise.all([pool.stop(100), pool.stop(100)]);
    await pool.stop(100);
  });
});

describe("makeWorkerPool (Effect)", () => {
  it("closing the scope interrupts running Effect jobs, which kill their process groups", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orch-pool-fx-"));
    try {
      let pgid = 0;
      let handed = false;
      const scope = Scope.makeUnsafe();
      await Effect.runPromise(
        makeWorkerPool({
          workers: 1,
          pollMs: 20,
          claim: Effect.sync(() => (handed ? undefined : ((handed = true), "job"))),
          run: () =>
            runProcessEffect({
              command: "sleep 100",
              env: {},
              cwd: dir,
              logPath: join(dir, "fx.log"),
              killGraceMs: 1000,
              onStart: (s) => void (pgid = s.pgid),
            }).pipe(Effect.asVoid),
        }).pipe(Scope.provide(scope)),
      );
      await waitFor(() => pgid !== 0);
      expect(isProcessGroupAlive(pgid)).toBe(true);
      await Effect.runPromise(Scope.close(scope, Exit.void));
      expect(isProcessGroupAlive(pgid)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
