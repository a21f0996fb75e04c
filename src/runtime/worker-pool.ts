/**
 * @module The controller's worker pool: a dispatcher claims queued jobs while
 * a slot is free and runs up to N at once; when the queue is empty it polls
 * (a wake skips the wait); stopping stops claiming, lets running jobs finish
 * within a grace period, then interrupts them.
 */
import * as Cause from "effect/Cause";
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as FiberSet from "effect/FiberSet";
import * as Option from "effect/Option";
import * as Scope from "effect/Scope";
import * as Semaphore from "effect/Semaphore";

export interface WorkerPoolEffectOptions<J, E = unknown> {
  /** Most jobs running at once. */
  workers: number;
  /**
   * Atomically takes one queued job, or yields undefined when there is none.
   * It runs uninterruptibly: a job the store has handed out is always started.
   */
  claim: Effect.Effect<J | undefined, E>;
  /** Runs one job; interrupted when the pool stops past its grace period. */
  run: (job: J) => Effect.Effect<void, unknown>;
  /** Wait between claims while the queue is empty or claiming fails. Default 1000 ms. */
  pollMs?: number;
  /** Claim failures (no job) and job failures. Default: written to stderr. */
  onError?: (error: unknown, job: J | undefined) => void;
}

export interface WorkerPoolHandle {
  /** Claim now instead of at the end of the current idle wait. */
  readonly wake: Effect.Effect<void>;
  /** Stops claiming, waits up to `graceMs` for running jobs, then interrupts them. Idempotent. */
  readonly stop: (graceMs: number) => Effect.Effect<void>;
  /** Jobs running right now. */
  readonly running: () => number;
}

/** Starts a pool whose fibers live in the caller's scope; closing the scope interrupts everything. */
export const makeWorkerPool = Effect.fn("makeWorkerPool")(function* <J, E>(options: WorkerPoolEffectOptions<J, E>) {
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    return yield* Effect.die(new RangeError(`workers must be a positive integer, got ${options.workers}`));
  }
  const pollMs = options.pollMs ?? 1000;
  const onError = options.onError ?? reportToStderr;
  const slots = yield* Semaphore.make(options.workers);
  const jobs = yield* FiberSet.make<void, never>();
  let running = 0;
  let wakeSignal = Deferred.makeUnsafe<void>();
  let stopped: Deferred.Deferred<void> | undefined;

  const wake = Effect.sync(() => {
    const signal = wakeSignal;
    wakeSignal = Deferred.makeUnsafe<void>();
    Deferred.doneUnsafe(signal, Exit.void);
  });
  const idle = Effect.suspend(() => Effect.raceFirst(Effect.sleep(pollMs), Deferred.await(wakeSignal)));

  const runJob = (job: J) =>
    Effect.sync(() => void running++).pipe(
      Effect.andThen(Effect.interruptible(options.run(job))),
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.sync(() => onError(Cause.squash(cause), job)),
      ),
      Effect.ensuring(Effect.andThen(Effect.sync(() => void running--), slots.release(1))),
    );

  /** Claim and start as one step, so an interrupt cannot fall between them and lose the job. */
  const claimAndStart: Effect.Effect<boolean> = Effect.uninterruptible(
    options.claim.pipe(
      Effect.matchEffect({
        onFailure: (error) => Effect.sync(() => onError(error, undefined)).pipe(Effect.as(undefined)),
        onSuccess: (job) => Effect.succeed(job),
      }),
      Effect.flatMap((job) =>
        job === undefined
          ? slots.release(1).pipe(Effect.as(false))
          : FiberSet.run(jobs, runJob(job)).pipe(Effect.as(true)),
      ),
    ),
  );

  const dispatch = Effect.gen(function* () {
    while (true) {
      yield* slots.take(1);
      const started = yield* claimAndStart;
      if (!started) yield* idle;
    }
  });
  const dispatcher = yield* Effect.forkScoped(dispatch);

  const stop = (graceMs: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (stopped !== undefined) return Deferred.await(stopped);
      const done = Deferred.makeUnsafe<void>();
      stopped = done;
      return Effect.gen(function* () {
        yield* Fiber.interrupt(dispatcher);
        const finished = yield* FiberSet.awaitEmpty(jobs).pipe(Effect.timeoutOption(graceMs));
        if (Option.isNone(finished)) yield* FiberSet.clear(jobs);
      }).pipe(Effect.ensuring(Deferred.succeed(done, undefined)), Effect.uninterruptible);
    });

  const handle: WorkerPoolHandle = { wake, stop, running: () => running };
  return handle;
});

export interface WorkerPoolOptions<J> {
  workers: number;
  claim: () => Promise<J | undefined>;
  /** Runs one job; `signal` aborts when the pool gives up waiting for it at stop. */
  run: (job: J, signal: AbortSignal) => Promise<void>;
  pollMs?: number;
  onError?: (error: unknown, job: J | undefined) => void;
  /** After aborting a job at stop, how long to wait for its promise to settle. Default 10 000 ms. */
  abortWaitMs?: number;
}

export interface WorkerPool {
  wake(): void;
  /** Resolves once every job has finished or been interrupted (abort signalled). Default grace 30 s. */
  stop(graceMs?: number): Promise<void>;
  readonly running: number;
}

/** Plain-Promise facade over `makeWorkerPool`. */
export function startWorkerPool<J>(options: WorkerPoolOptions<J>): WorkerPool {
  const scope = Scope.makeUnsafe();
  const handle = Effect.runSync(
    makeWorkerPool({
      workers: options.workers,
      claim: Effect.tryPromise({ try: () => options.claim(), catch: (error) => error }),
      run: (job: J) => abortable((signal) => options.run(job, signal), options.abortWaitMs ?? 10_000),
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    }).pipe(Scope.provide(scope)),
  );
  return {
    wake: () => Effect.runSync(handle.wake),
    stop: (graceMs = 30_000) => Effect.runPromise(handle.stop(graceMs).pipe(Effect.ensuring(Scope.close(scope, Exit.void)))),
    get running() {
      return handle.running();
    },
  };
}

/**
 * A promise-returning job as an Effect whose interruption aborts the signal
 * and then waits (bounded) for the job to wind down, e.g. for a process
 * group to be killed, before the interruption completes.
 */
function abortable(run: (signal: AbortSignal) => Promise<void>, waitMs: number): Effect.Effect<void, unknown> {
  return Effect.callback<void, unknown>((resume) => {
    const controller = new AbortController();
    const settled = Promise.resolve()
      .then(() => run(controller.signal))
      .then(
        () => resume(Effect.void),
        (error: unknown) => resume(Effect.fail(error)),
      );
    return Effect.suspend(() => {
      controller.abort();
      return Effect.promise(() => settled).pipe(Effect.timeoutOption(waitMs), Effect.asVoid);
    });
  });
}

function reportToStderr(error: unknown, job: unknown): void {
  const what = job === undefined ? "claiming a job failed" : "a job failed";
  process.stderr.write(`worker pool: ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
}
