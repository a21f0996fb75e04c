/**
 * @module Runs one step's shell command in its own process group: output is
 * appended to a log file as it arrives, a bounded tail of each stream is kept
 * for parsing, and timeout, a stall (no output for a while), cancellation or
 * interruption kill the whole group.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
// Modules, not the `effect` index: the process-host helper loads this file, and stays small.
import * as Data from "effect/Data";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import { STORE_CONNECTION_ENV } from "../../store/home-location.js";
import { StreamRedactor } from "./redact-stream.js";
import { DEFAULT_TAIL_BYTES, OutputTail } from "./output-tail.js";
import { isProcessGroupAlive, killProcessGroup, RUN_ID_ENV, type KillSignal } from "./process-group.js";

export { RUN_ID_ENV };

export interface ProcessStarted {
  pid: number;
  /** Equal to pid: the command leads its own group. */
  pgid: number;
  startedAt: string;
}

export interface RunProcessOptions {
  /** A shell command line, already quoted by whoever rendered it; run by `/bin/sh -c`. */
  command: string;
  /** Added to the controller's environment (or the whole environment when `inheritEnv` is false). */
  env: Record<string, string>;
  cwd: string;
  /** Output of both streams is appended here, raw, in arrival order. */
  logPath: string;
  timeoutMs?: number;
  /** The command is stopped as stalled when neither stream has written a byte for this long. */
  stallMs?: number;
  /** Written to the command's stdin, then stdin is closed. Without it stdin is /dev/null. */
  stdin?: string;
  /** Aborting kills the group; the result then says `cancelled`. */
  signal?: AbortSignal;
  /** Called once the process exists, so the caller can record pid/pgid for crash recovery. */
  onStart?: (started: ProcessStarted) => void | Promise<void>;
  /** SIGTERM to SIGKILL grace when killing the group. Default 5000 ms. */
  killGraceMs?: number;
  /** How long output may stay open after the command exits (a background child holding it) before the group is killed. Default 1000 ms. */
  drainMs?: number;
  /** Bytes kept per stream for `stdoutTail`/`stderrTail`. Default 64 KiB. */
  tailBytes?: number;
  /** `[orchestrator]` lines written to the log before the command starts. */
  preamble?: readonly string[];
  /** Secret values replaced by `[REDACTED]` in the log and the tails. */
  redact?: readonly string[];
  /** Start from the controller's environment. Default true. */
  inheritEnv?: boolean;
  /** A program and its arguments that start `/bin/sh -c command` (a sandbox: see src/sandbox/boundary.ts). */
  launcher?: readonly string[];
  /** The shell and the argument before the command, instead of `/bin/sh -c` (a RuntimePolicy's runner). */
  shell?: readonly [string, string];
  /** The run this command executes, given to it as `ORCHESTRATOR_RUN_ID`. */
  runId?: string;
  /**
   * Most bytes of output the log keeps: the first half and the last half,
   * with a note of what was dropped between them. 0: no cap. Default 100 MiB.
   */
  logMaxBytes?: number;
}

/** What a step's log keeps when neither the step nor its workflow says otherwise. */
export const DEFAULT_LOG_MAX_BYTES = 100 * 1024 * 1024;

export interface ProcessResult {
  /** The shell's exit code; 128 + signal number when it died of a signal. */
  exitCode: number;
  /** Signal that ended the shell, if any. */
  signal?: string;
  timedOut: boolean;
  /** Stopped after `stallMs` without output. */
  stalled: boolean;
  cancelled: boolean;
  durationMs: number;
  stdoutTail: string;
  stderrTail: string;
  stdoutBytes: number;
  stderrBytes: number;
  pid: number;
  pgid: number;
  startedAt: string;
  finishedAt: string;
  /** Set when writing the log failed; output was still drained and tailed. */
  logError?: string;
}

export type ProcessStartFailure = "cwd" | "log" | "spawn" | "on-start" | "cancelled";

/** The command could not be started (or was cancelled before it was). */
export class ProcessStartError extends Data.TaggedError("ProcessStartError")<{
  readonly reason: ProcessStartFailure;
  readonly message: string;
  readonly cause?: unknown;
}> {}

/** Runs the command; interrupting the effect kills the process group before it completes. */
export const runProcessEffect = Effect.fn("runProcess")(function* (options: RunProcessOptions) {
  const graceMs = options.killGraceMs ?? 5000;
  const drainMs = options.drainMs ?? 1000;
  if (options.signal?.aborted) {
    return yield* new ProcessStartError({ reason: "cancelled", message: "cancelled before the command started" });
  }
  return yield* Effect.scoped(
    Effect.gen(function* () {
      yield* checkWorkingDirectory(options.cwd);
      const log = yield* Effect.acquireRelease(openLog(options.logPath, options.logMaxBytes ?? DEFAULT_LOG_MAX_BYTES, options.redact), (sink) => sink.close());
      for (const line of options.preamble ?? []) log.note(line);
      const child = yield* Effect.acquireRelease(spawnInGroup(options, log), (c, exit) =>
        exit._tag === "Success" ? Effect.void : stopOnInterrupt(c, log, graceMs, drainMs),
      );
      yield* notifyStarted(options, child);

      const outcome = yield* waitForOutcome(child, options);
      if (outcome === "timeout") {
        log.note(`timed out after ${options.timeoutMs} ms; stopping process group ${child.pgid}`);
      } else if (outcome === "stalled") {
        log.note(`stalled: no output for ${options.stallMs} ms; stopping process group ${child.pgid}`);
      } else if (outcome === "cancelled") {
        log.note(`cancelled; stopping process group ${child.pgid}`);
      }
      if (outcome !== "exited") {
        yield* stopGroup(child, log, graceMs, drainMs);
      } else {
        yield* drainAfterExit(child, log, graceMs, drainMs);
      }
      return finish(child, log, outcome);
    }),
  );
});

/** Promise facade over `runProcessEffect`; rejects with `ProcessStartError` when the command cannot start. */
export function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  return Effect.runPromise(runProcessEffect(options));
}

// ---------------------------------------------------------------------------

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface RunningChild {
  pid: number;
  pgid: number;
  startedAtMs: number;
  startedAt: string;
  exited: Promise<ChildExit>;
  exit?: ChildExit;
  /** Both output streams reached their end. */
  drained: Promise<void>;
  isDrained: boolean;
  stdoutTail: OutputTail;
  stderrTail: OutputTail;
  streams: Readable[];
  /** When either stream last delivered output (at first, when the command started). */
  lastOutputAtMs: number;
}

type Outcome = "exited" | "timeout" | "stalled" | "cancelled";

/** Synchronous on purpose: a stat and an open are cheaper than two trips through libuv's thread pool per step. */
const checkWorkingDirectory = (cwd: string) =>
  Effect.try({
    try: () => statSync(cwd),
    catch: (cause) =>
      new ProcessStartError({
        reason: "cwd",
        message: `working directory ${cwd} does not exist or cannot be read; create it or fix the workspace root`,
        cause,
      }),
  }).pipe(
    Effect.flatMap((s) =>
      s.isDirectory()
        ? Effect.void
        : Effect.fail(
            new ProcessStartError({ reason: "cwd", message: `working directory ${cwd} is not a directory` }),
          ),
    ),
  );

const openLog = (logPath: string, maxBytes: number, redact: readonly string[] | undefined) =>
  Effect.try({
    try: () => {
      let fd: number;
      try {
        fd = openSync(logPath, "a");
      } catch (err) {
        // Most logs go to a directory that exists: make it only when it does not.
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        mkdirSync(dirname(logPath), { recursive: true });
        fd = openSync(logPath, "a");
      }
      return new LogSink(fd, logPath, maxBytes, redact);
    },
    catch: (cause) =>
      new ProcessStartError({
        reason: "log",
        message: `cannot open log file ${logPath}: ${messageOf(cause)}`,
        cause,
      }),
  });

const spawnInGroup = (options: RunProcessOptions, log: LogSink) =>
  Effect.tryPromise({
    try: async (): Promise<RunningChild> => {
      const startedAtMs = Date.now();
      const withStdin = options.stdin !== undefined;
      let subprocess: ChildProcess;
      try {
        const [shell, shellArg] = options.shell ?? ["/bin/sh", "-c"];
        const [file, ...pre] = options.launcher?.length ? options.launcher : [shell];
        subprocess = spawn(file!, options.launcher?.length ? [...pre, shell, shellArg, options.command] : [shellArg, options.command], {
          cwd: options.cwd,
          env: environmentOf(options),
          // Own session and process group, so the whole tree can be signalled
          // and it survives (for a later controller to reap) if we crash.
          detached: true,
          stdio: [withStdin ? "pipe" : "ignore", "pipe", "pipe"],
        });
      } catch (err) {
        // E2BIG and friends are thrown at once; not Node's message alone, which names only the syscall.
        const e = err as NodeJS.ErrnoException;
        throw new Error(spawnFailureMessage(e.code, e.message));
      }
      const pid = subprocess.pid;
      if (pid === undefined) {
        const err = await new Promise<NodeJS.ErrnoException>((resolve) => subprocess.once("error", resolve));
        throw new Error(spawnFailureMessage(err.code, err.message));
      }
      if (withStdin) {
        // A command that exits without reading its input closes the pipe: not a failure of the step.
        subprocess.stdin!.on("error", () => undefined);
        subprocess.stdin!.end(options.stdin);
      }
      const stdout = subprocess.stdout as Readable;
      const stderr = subprocess.stderr as Readable;
      const stdoutTail = new OutputTail(options.tailBytes ?? DEFAULT_TAIL_BYTES);
      const stderrTail = new OutputTail(options.tailBytes ?? DEFAULT_TAIL_BYTES);
      const child: RunningChild = {
        pid,
        pgid: pid,
        startedAtMs,
        startedAt: new Date(startedAtMs).toISOString(),
        exited: new Promise<ChildExit>((resolve) => {
          subprocess.once("exit", (code, signal) => {
            child.exit = { code, signal };
            resolve(child.exit);
          });
        }),
        drained: Promise.all([pump(stdout, stdoutTail, log, options.redact, () => (child.lastOutputAtMs = Date.now())), pump(stderr, stderrTail, log, options.redact, () => (child.lastOutputAtMs = Date.now()))]).then(() => {
          log.endOutput();
          child.isDrained = true;
        }),
        isDrained: false,
        stdoutTail,
        stderrTail,
        streams: [stdout, stderr],
        lastOutputAtMs: startedAtMs,
      };
      // Errors after a successful spawn (a failed kill) surface as the exit we already wait for.
      subprocess.on("error", () => undefined);
      return child;
    },
    catch: (cause) =>
      new ProcessStartError({ reason: "spawn", message: `cannot start ${options.launcher?.[0] ?? options.shell?.[0] ?? "/bin/sh"}: ${messageOf(cause)}`, cause }),
  });

const notifyStarted = (options: RunProcessOptions, child: RunningChild) =>
  options.onStart === undefined
    ? Effect.void
    : Effect.tryPromise({
        try: async () => {
          await options.onStart!({ pid: child.pid, pgid: child.pgid, startedAt: child.startedAt });
        },
        catch: (cause) =>
          new ProcessStartError({
            reason: "on-start",
            message: `recording the started process failed: ${messageOf(cause)}`,
            cause,
          }),
      });

/**
 * Copies a stream into the log and its tail; the pipe is read no faster than
 * the log is written. The log masks secrets over both streams together, in
 * the order they are written (see LogSink); the tail, one stream's text,
 * over its own stream.
 */
async function pump(stream: Readable, tail: OutputTail, log: LogSink, secrets: readonly string[] | undefined, onOutput: () => void): Promise<void> {
  const redactor = secrets && secrets.length > 0 ? new StreamRedactor(secrets) : undefined;
  try {
    for await (const chunk of stream) {
      onOutput();
      const raw = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
      tail.push(redactor ? redactor.push(raw) : raw);
      log.output(raw);
    }
  } catch {
    // Destroyed after the drain period, or the pipe broke: the output we
    // have is all we will get.
  }
  if (redactor) tail.push(redactor.flush());
}

const waitForOutcome = (child: RunningChild, options: RunProcessOptions): Effect.Effect<Outcome> => {
  const racers: Effect.Effect<Outcome>[] = [Effect.promise(() => child.exited).pipe(Effect.as("exited" as const))];
  if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
    racers.push(Effect.sleep(options.timeoutMs).pipe(Effect.as("timeout" as const)));
  }
  if (options.stallMs !== undefined && options.stallMs > 0) {
    racers.push(stallOf(child, options.stallMs).pipe(Effect.as("stalled" as const)));
  }
  if (options.signal !== undefined) {
    racers.push(abortOf(options.signal).pipe(Effect.as("cancelled" as const)));
  }
  return Effect.raceAll(racers);
};

/** Completes once neither stream has delivered output for `stallMs`: one timer, re-armed for the time left since the latest output. */
const stallOf = (child: RunningChild, stallMs: number): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (;;) {
      const left = child.lastOutputAtMs + stallMs - Date.now();
      if (left <= 0) return;
      yield* Effect.sleep(left);
    }
  });

const abortOf = (signal: AbortSignal): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (signal.aborted) {
      resume(Effect.void);
      return;
    }
    const onAbort = () => resume(Effect.void);
    signal.addEventListener("abort", onAbort, { once: true });
    return Effect.sync(() => signal.removeEventListener("abort", onAbort));
  });

/**
 * SIGTERM to the group; once the shell has exited and its output closed,
 * anything left in the group gets the rest of the grace period, then SIGKILL.
 */
const stopGroup = (child: RunningChild, log: LogSink, graceMs: number, drainMs: number) =>
  Effect.gen(function* () {
    const deadline = Date.now() + graceMs;
    signalGroup(child, "SIGTERM");
    const settled = yield* Effect.promise(() => Promise.all([child.exited, child.drained])).pipe(
      Effect.timeoutOption(graceMs),
    );
    if (Option.isSome(settled)) {
      while (Date.now() < deadline && groupAlive(child)) yield* Effect.sleep(25);
    }
    if (groupAlive(child)) {
      log.note(`process group ${child.pgid} still running after ${graceMs} ms; sent SIGKILL`);
      signalGroup(child, "SIGKILL");
    }
    yield* Effect.promise(() => child.exited);
    yield* awaitDrain(child, drainMs);
  });

/** After a normal exit: output held open by a leftover background process ends the group. */
const drainAfterExit = (child: RunningChild, log: LogSink, graceMs: number, drainMs: number) =>
  Effect.gen(function* () {
    const drained = yield* Effect.promise(() => child.drained).pipe(Effect.timeoutOption(drainMs));
    if (Option.isNone(drained)) {
      log.note(
        `the command exited but background processes kept its output open for ${drainMs} ms; stopping process group ${child.pgid}`,
      );
      yield* stopGroup(child, log, graceMs, drainMs);
    }
  });

/** Finalizer when the run is interrupted or fails after spawning. */
const stopOnInterrupt = (child: RunningChild, log: LogSink, graceMs: number, drainMs: number) =>
  child.exit !== undefined && child.isDrained
    ? Effect.void
    : Effect.suspend(() => {
        log.note(`run interrupted; stopping process group ${child.pgid}`);
        return stopGroup(child, log, graceMs, drainMs);
      });

/** Waits for output to close; a descendant that left our group may hold it forever, so cut it off. */
const awaitDrain = (child: RunningChild, drainMs: number) =>
  Effect.promise(() => child.drained).pipe(
    Effect.timeoutOption(drainMs),
    Effect.flatMap((done) =>
      Option.isSome(done)
        ? Effect.void
        : Effect.suspend(() => {
            for (const s of child.streams) s.destroy();
            return Effect.promise(() => child.drained);
          }),
    ),
  );

function signalGroup(child: RunningChild, signal: KillSignal): void {
  try {
    killProcessGroup(child.pgid, signal);
  } catch {
    // EPERM cannot happen for a group we created; nothing useful to do.
  }
}

function groupAlive(child: RunningChild): boolean {
  try {
    return isProcessGroupAlive(child.pgid);
  } catch {
    return false;
  }
}

function finish(child: RunningChild, log: LogSink, outcome: Outcome): ProcessResult {
  const exit = child.exit ?? { code: null, signal: null };
  const exitCode = exit.code ?? 128 + (exit.signal ? (osConstants.signals[exit.signal] ?? 0) : 0);
  if (outcome === "exited") explainExitCode(exitCode, log);
  const finishedAtMs = Date.now();
  const result: ProcessResult = {
    exitCode,
    timedOut: outcome === "timeout",
    stalled: outcome === "stalled",
    cancelled: outcome === "cancelled",
    durationMs: finishedAtMs - child.startedAtMs,
    stdoutTail: child.stdoutTail.text(),
    stderrTail: child.stderrTail.text(),
    stdoutBytes: child.stdoutTail.totalBytes,
    stderrBytes: child.stderrTail.totalBytes,
    pid: child.pid,
    pgid: child.pgid,
    startedAt: child.startedAt,
    finishedAt: new Date(finishedAtMs).toISOString(),
  };
  if (exit.signal) result.signal = exit.signal;
  if (log.error) result.logError = log.error;
  return result;
}

function environmentOf(options: RunProcessOptions): NodeJS.ProcessEnv {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  // The store's credentials stay with the engine; a step sets its own (options.env) if it needs any.
  for (const name of STORE_CONNECTION_ENV) delete inherited[name];
  const env: NodeJS.ProcessEnv = options.inheritEnv === false ? { ...options.env } : { ...inherited, ...options.env };
  // Set last, over a value inherited from an engine that runs this one.
  if (options.runId !== undefined) env[RUN_ID_ENV] = options.runId;
  return env;
}

function spawnFailureMessage(code: string | undefined, original: string | undefined): string {
  if (code === "E2BIG") {
    return "the command line plus environment is too large for the OS (one value may be at most 128 KiB); deliver large prompts with promptDelivery: file or stdin";
  }
  return original ?? code ?? "spawn failed";
}

/** sh's own message for these codes is terse (`sh: 1: foo: not found`); say what to do. */
function explainExitCode(exitCode: number, log: LogSink): void {
  if (exitCode === 127) {
    log.note("exit code 127: command not found; check that the program is installed and on PATH for the controller");
  } else if (exitCode === 126) {
    log.note("exit code 126: command found but not executable; check its permissions and interpreter line");
  }
}

/**
 * The step's log file: raw output in arrival order, plus `[orchestrator]`
 * notes on their own lines, written synchronously: a chunk is on disk
 * before the next is read from the pipe, so memory stays flat however much
 * the command prints, and no write waits in a queue behind the event loop.
 *
 * With a cap, the first half of it goes into the log as it arrives; past
 * that, only the latest bytes are kept, in a ring file beside the log, and
 * copied in when the command ends, after a note of what was dropped (a
 * log that fit its cap after all is left as the command printed it).
 */
class LogSink {
  error: string | undefined;
  private atLineStart = true;
  private fd: number | undefined;
  /** Output bytes written to the log itself (notes not counted). */
  private written = 0;
  private readonly headLimit: number;
  private tail: TailRing | undefined;
  /** Whether the log itself ends a line so far: the cap falls anywhere. */
  private headEndsLine = true;
  private capAnnounced = false;
  /**
   * One redactor over stdout and stderr as they reach the file: a secret
   * printed half to one stream and half to the other is whole in the log,
   * and is masked there.
   */
  private readonly redactor: StreamRedactor | undefined;

  constructor(
    fd: number,
    private readonly path: string,
    private readonly maxBytes: number,
    redact?: readonly string[],
  ) {
    this.fd = fd;
    this.headLimit = maxBytes > 0 ? Math.ceil(maxBytes / 2) : Infinity;
    this.redactor = redact && redact.length > 0 ? new StreamRedactor(redact) : undefined;
  }

  /** The command's output, masked before it is written. */
  output(chunk: Buffer): void {
    this.write(this.redactor ? this.redactor.push(chunk) : chunk);
  }

  /** Both streams ended: what the redactor held back (a possible secret's start) is written. */
  endOutput(): void {
    if (this.redactor) this.write(this.redactor.flush());
  }

  private write(chunk: Buffer): void {
    if (this.error !== undefined || this.fd === undefined || chunk.length === 0) return;
    this.atLineStart = chunk[chunk.length - 1] === 0x0a;
    if (this.tail) {
      this.keepInTail(chunk);
      return;
    }
    const room = this.headLimit - this.written;
    if (chunk.length <= room) {
      this.headEndsLine = this.atLineStart;
      this.raw(chunk);
      this.written += chunk.length;
      return;
    }
    if (room > 0) {
      this.raw(chunk.subarray(0, room));
      this.written += room;
      this.headEndsLine = chunk[room - 1] === 0x0a;
    }
    this.startTail();
    this.keepInTail(chunk.subarray(room));
  }

  note(message: string): void {
    // Output held back so far goes first, so the note stays in place.
    this.endOutput();
    const prefix = this.atLineStart ? "" : "\n";
    this.write(Buffer.from(`${prefix}[orchestrator] ${message}\n`));
    this.atLineStart = true;
  }

  close(): Effect.Effect<void> {
    return Effect.sync(() => {
      if (this.fd === undefined) return;
      if (this.tail) this.closeTail(this.tail);
      try {
        closeSync(this.fd);
      } catch (err) {
        this.error ??= messageOf(err);
      }
      this.fd = undefined;
    });
  }

  /** Writes to the log itself, past the cap's accounting. */
  private raw(chunk: Buffer): void {
    try {
      for (let off = 0; off < chunk.length; ) off += writeSync(this.fd!, chunk, off);
    } catch (err) {
      this.error ??= messageOf(err);
    }
  }

  private startTail(): void {
    try {
      this.tail = new TailRing(`${this.path}.tail`, this.maxBytes - this.headLimit);
    } catch (err) {
      this.error ??= `cannot keep the end of the log in ${this.path}.tail: ${messageOf(err)}`;
    }
  }

  private keepInTail(chunk: Buffer): void {
    const tail = this.tail;
    if (!tail) return;
    try {
      tail.push(chunk);
    } catch (err) {
      this.error ??= messageOf(err);
    }
    // Output beyond the cap is being dropped from now on: say so while the step runs, for whoever follows the log.
    if (tail.dropped > 0 && !this.capAnnounced) {
      this.capAnnounced = true;
      this.raw(
        Buffer.from(
          `${this.headEndsLine ? "" : "\n"}[orchestrator] output passed this log's cap of ${formatBytes(this.maxBytes)}: the first ${formatBytes(this.headLimit)} are above; from here only the last ${formatBytes(tail.size)} are kept, written below when the step ends\n`,
        ),
      );
    }
  }

  private closeTail(tail: TailRing): void {
    this.tail = undefined;
    try {
      // Output that fit the cap after all is copied in as it came, without a note.
      if (tail.dropped > 0) {
        this.raw(Buffer.from(`[orchestrator] ${tail.dropped} bytes of output dropped here (log cap ${formatBytes(this.maxBytes)}); the last ${tail.kept} bytes follow\n`));
      }
      tail.copyTo((chunk) => this.raw(chunk));
    } catch (err) {
      this.error ??= messageOf(err);
    } finally {
      tail.remove();
    }
  }
}

/** The latest `size` bytes of a stream, in a file used as a ring. */
class TailRing {
  private readonly fd: number;
  /** Where the next byte goes; once full, also where the oldest kept byte is. */
  private pos = 0;
  private full = false;
  private total = 0;

  constructor(
    private readonly path: string,
    readonly size: number,
  ) {
    this.fd = openSync(path, "w+");
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.size === 0) return;
    if (chunk.length >= this.size) {
      this.writeAt(chunk.subarray(chunk.length - this.size), 0);
      this.pos = 0;
      this.full = true;
      return;
    }
    const first = Math.min(chunk.length, this.size - this.pos);
    this.writeAt(chunk.subarray(0, first), this.pos);
    if (first < chunk.length) {
      this.writeAt(chunk.subarray(first), 0);
      this.pos = chunk.length - first;
      this.full = true;
    } else {
      this.pos += first;
      if (this.pos === this.size) {
        this.pos = 0;
        this.full = true;
      }
    }
  }

  get kept(): number {
    return this.full ? this.size : this.pos;
  }

  get dropped(): number {
    return this.total - this.kept;
  }

  /** Hands the kept bytes over, oldest first, in bounded chunks. */
  copyTo(out: (chunk: Buffer) => void): void {
    const buf = Buffer.allocUnsafe(Math.min(RING_COPY_CHUNK, Math.max(1, this.kept)));
    const copyRange = (from: number, to: number): void => {
      for (let at = from; at < to; ) {
        const n = readSync(this.fd, buf, 0, Math.min(buf.length, to - at), at);
        if (n === 0) break;
        out(buf.subarray(0, n));
        at += n;
      }
    };
    if (this.full) copyRange(this.pos, this.size);
    copyRange(0, this.pos);
  }

  remove(): void {
    try {
      closeSync(this.fd);
    } catch {
      // closed already
    }
    rmSync(this.path, { force: true });
  }

  private writeAt(chunk: Buffer, at: number): void {
    for (let off = 0; off < chunk.length; ) off += writeSync(this.fd, chunk, off, chunk.length - off, at + off);
  }
}

const RING_COPY_CHUNK = 1024 * 1024;

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
