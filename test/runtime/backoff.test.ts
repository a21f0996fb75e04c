import { Data, Duration, Effect, Schedule } from "effect";
import { describe, expect, it } from "vitest";
import { backoffSchedule, retryPromise, retryWithBackoff, type RetryInfo } from "../../src/runtime/backoff.js";

class FetchError extends Data.TaggedError("FetchError")<{ readonly transient: boolean }> {}

/** The delays a schedule would wait, in ms, for `n` consecutive failures. */
async function delaysOf(schedule: Schedule.Schedule<Duration.Duration>, n: number): Promise<number[]> {
  return Effect.runPromise(
    Effect.gen(function* () {
      // toStep computes decisions without sleeping; `now` is advanced by hand.
      const step = yield* Schedule.toStep(schedule);
      const out: number[] = [];
      let now = 0;
      for (let i = 0; i < n; i++) {
        const exit = yield* Effect.exit(step(now, undefined));
        if (exit._tag === "Failure") break;
        const delay = Duration.toMillis(exit.value[1]);
        out.push(delay);
        now += delay;
      }
      return out;
    }),
  );
}

describe("backoffSchedule", () => {
  it("doubles from the initial delay, caps each delay, and stops after maxRetries", async () => {
    const delays = await delaysOf(
      backoffSchedule({ initialDelayMs: 100, maxDelayMs: 500, maxRetries: 5, jitter: false }),
      10,
    );
    expect(delays).toEqual([100, 200, 400, 500, 500]);
  });

  it("jitter keeps each delay within ±20% of the exponential one", async () => {
    const delays = await delaysOf(backoffSchedule({ initialDelayMs: 100, maxRetries: 4 }), 10);
    expect(delays).toHaveLength(4);
    [100, 200, 400, 800].forEach((base, i) => {
      expect(delays[i]).toBeGreaterThanOrEqual(base * 0.8 - 1);
      expect(delays[i]).toBeLessThanOrEqual(base * 1.2 + 1);
    });
  });
});

describe("retryWithBackoff", () => {
  it("retries until success and reports each retry", async () => {
    let calls = 0;
    const retries: RetryInfo<FetchError>[] = [];
    const fetch = Effect.suspend(() =>
      ++calls < 3 ? Effect.fail(new FetchError({ transient: true })) : Effect.succeed("fetched"),
    );
    const result = await Effect.runPromise(
      retryWithBackoff(fetch, { initialDelayMs: 5, jitter: false, onRetry: (info) => retries.push(info) }),
    );
    expect(result).toBe("fetched");
    expect(calls).toBe(3);
    expect(retries.map((r) => [r.attempt, r.delayMs])).toEqual([
      [1, 5],
      [2, 10],
    ]);
    expect(retries[0]!.error).toBeInstanceOf(FetchError);
  });

  it("gives up after maxRetries with the last error", async () => {
    let calls = 0;
    const fail = Effect.suspend(() => Effect.fail(new FetchError({ transient: ++calls > 0 })));
    const exit = await Effect.runPromiseExit(retryWithBackoff(fail, { initialDelayMs: 1, maxRetries: 3 }));
    expect(exit._tag).toBe("Failure");
    expect(calls).toBe(4);
  });

  it("does not retry errors shouldRetry rejects", async () => {
    let calls = 0;
    const fail = Effect.suspend(() => (++calls, Effect.fail(new FetchError({ transient: false }))));
    await Effect.runPromiseExit(
      retryWithBackoff(fail, { initialDelayMs: 1, shouldRetry: (e) => e.transient }),
    );
    expect(calls).toBe(1);
  });
});

describe("retryPromise", () => {
  it("passes the attempt number and resolves on success", async () => {
    const seen: number[] = [];
    const value = await retryPromise(
      async (n) => {
        seen.push(n);
        if (n < 2) throw new Error("flaky");
        return n;
      },
      { initialDelayMs: 1 },
    );
    expect(value).toBe(2);
    expect(seen).toEqual([1, 2]);
  });

  it("rejects with the caller's own last error", async () => {
    class GitError extends Error {}
    await expect(
      retryPromise(async (n) => {
        throw new GitError(`fetch failed #${n}`);
      }, { initialDelayMs: 1, maxRetries: 2 }),
    ).rejects.toSatisfy((e: unknown) => e instanceof GitError && e.message === "fetch failed #3");
  });
});
