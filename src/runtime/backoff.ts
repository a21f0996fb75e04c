/**
 * @module Retry with exponential backoff (jittered, capped, bounded), for
 * transient failures such as a git fetch that hits a flaky network.
 */
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Schedule from "effect/Schedule";

export interface BackoffOptions<E = unknown> {
  /** First delay. Default 200 ms. */
  initialDelayMs?: number;
  /** Growth per retry. Default 2. */
  factor?: number;
  /** Cap on any one delay. Default 30 000 ms. */
  maxDelayMs?: number;
  /** Retries after the first attempt. Default 5. */
  maxRetries?: number;
  /** Spread delays by ±20% so many controllers do not retry in step. Default true. */
  jitter?: boolean;
  /** Retry only errors this accepts (e.g. not "authentication failed"). Default: all. */
  shouldRetry?: (error: E) => boolean;
  /** Called before each wait, e.g. to log "fetch failed, retrying in 800 ms". */
  onRetry?: (info: RetryInfo<E>) => void;
}

export interface RetryInfo<E> {
  error: E;
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
}

/** The delay schedule alone: exponential, optionally jittered, each delay capped, at most `maxRetries`. */
export function backoffSchedule(options: BackoffOptions = {}): Schedule.Schedule<Duration.Duration> {
  const initial = options.initialDelayMs ?? 200;
  const cap = Duration.millis(options.maxDelayMs ?? 30_000);
  const exponential = Schedule.exponential(Duration.millis(initial), options.factor ?? 2);
  const spread = options.jitter === false ? exponential : Schedule.jittered(exponential);
  return spread.pipe(
    Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, cap))),
    Schedule.upTo({ times: options.maxRetries ?? 5 }),
  );
}

/** Retries `effect`'s failures on the backoff schedule; the last failure is returned when retries run out. */
export function retryWithBackoff<A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: BackoffOptions<E> = {},
): Effect.Effect<A, E, R> {
  const onRetry = options.onRetry;
  const schedule = Schedule.setInputType<E>()(backoffSchedule(options as BackoffOptions)).pipe(
    Schedule.tap((meta) =>
      Effect.sync(() =>
        onRetry?.({ error: meta.input, attempt: meta.attempt, delayMs: Duration.toMillis(meta.duration) }),
      ),
    ),
  );
  const shouldRetry = options.shouldRetry;
  return Effect.retry(effect, shouldRetry === undefined ? { schedule } : { schedule, while: shouldRetry });
}

/** Promise facade: calls `attempt(n)` (n from 1) until it resolves or retries run out. */
export function retryPromise<A>(
  attempt: (n: number) => Promise<A>,
  options: BackoffOptions<unknown> = {},
): Promise<A> {
  let n = 0;
  const once = Effect.tryPromise({ try: () => attempt(++n), catch: (error) => error });
  // runPromise rejects with the last failure itself, so callers get their own error back.
  return Effect.runPromise(retryWithBackoff(once, options));
}
