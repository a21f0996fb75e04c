/**
 * @module The process-host child (see process-host.ts): runs each command
 * it is sent with `runProcess` and reports back when it started and how it
 * ended, over the IPC channel. Cancelling aborts a run (its process group
 * is killed). It also keeps the list of commands the engine runs itself.
 * When the engine's process goes away, so does this one, and it ends every
 * command of either kind first: a step never runs on unsupervised.
 */
import type { ProcessResult, ProcessStarted, ProcessStartFailure, RunProcessOptions } from "./run-process.js";
import { SupervisedGroups } from "./supervised-groups.js";

/**
 * run-process.js (with Effect) is loaded when a first command is hosted:
 * a helper that only watches the engine's own commands starts in a fraction
 * of the time, beside an engine that has work to do.
 */
let runner: Promise<typeof import("./run-process.js")> | undefined;
const loadRunner = (): Promise<typeof import("./run-process.js")> => (runner ??= import("./run-process.js"));

/** What of `RunProcessOptions` crosses the process boundary: everything but callbacks and the signal. */
export type HostedOptions = Omit<RunProcessOptions, "signal" | "onStart">;

export type HostRequest =
  | { type: "run"; id: number; options: HostedOptions }
  | { type: "cancel"; id: number }
  /** A command the engine starts itself: about to start, started (its group), ended. */
  | { type: "expect"; key: string; runId?: string; logPath?: string }
  | { type: "watch"; key: string; pgid: number }
  | { type: "release"; key: string };

export type HostReply =
  | { type: "started"; id: number; started: ProcessStarted }
  | { type: "done"; id: number; result: ProcessResult }
  | { type: "failed"; id: number; reason: ProcessStartFailure; message: string };

/** SIGTERM to SIGKILL once the engine is gone: every group ends within this, plus a moment. */
export const ORPHAN_GRACE_MS = 1000;

const aborts = new Map<number, AbortController>();
const supervised = new SupervisedGroups();
let engineGone = false;
/** The steps are being ended (once, however the engine's going was noticed). */
let ending = false;

function post(reply: HostReply): void {
  // The engine's process may be gone already; it has nothing left to tell. It may also die between
  // this check and the write: without a callback the failed write (EPIPE) is thrown from the process
  // and this helper would die before ending the steps, so a failed send counts as the engine gone.
  if (process.connected) process.send!(reply, (err: Error | null) => void (err && engineWent()));
}

function run(id: number, options: HostedOptions): void {
  if (engineGone) return;
  const key = `h${id}`;
  const abort = new AbortController();
  aborts.set(id, abort);
  // No log path: the run's own cancellation notes in its log why it stopped.
  supervised.expect(key, options.runId === undefined ? {} : { runId: options.runId });
  // Reported, not awaited: the engine records the pid while the command runs, and cancels it if that fails.
  const onStart = (started: ProcessStarted): void => {
    supervised.started(key, started.pgid);
    post({ type: "started", id, started });
  };
  loadRunner()
    .then(({ runProcess }) => runProcess({ ...options, signal: abort.signal, onStart }))
    .then(
      (result) => post({ type: "done", id, result }),
      (err: unknown) => {
        const e = err as { reason?: ProcessStartFailure; message?: string };
        post({ type: "failed", id, reason: e.reason ?? "spawn", message: e.message ?? String(err) });
      },
    )
    .finally(() => {
      aborts.delete(id);
      supervised.release(key);
    });
}

/** The engine died or exited: nothing more starts, and what it started has no one to record it now, so it ends. */
function engineWent(): void {
  if (ending) return;
  ending = true;
  engineGone = true;
  for (const a of aborts.values()) a.abort();
  void supervised.endAll(ORPHAN_GRACE_MS).finally(() => process.exit(0));
}

function receive(m: HostRequest): void {
  switch (m.type) {
    case "run":
      run(m.id, m.options);
      break;
    case "cancel":
      aborts.get(m.id)?.abort();
      break;
    case "expect":
      supervised.expect(m.key, { ...(m.runId !== undefined ? { runId: m.runId } : {}), ...(m.logPath !== undefined ? { logPath: m.logPath } : {}) });
      break;
    case "watch":
      supervised.started(m.key, m.pgid);
      break;
    case "release":
      supervised.release(m.key);
      break;
  }
}

/**
 * Serves the engine (called by process-host-entry.cjs): first what it sent
 * while this module loaded, then the channel itself; `disconnected`: it is
 * gone already.
 */
export function serve(early: readonly HostRequest[], disconnected: boolean): void {
  // Gone already: its runs do not start, and what it told of is ended.
  if (disconnected) engineGone = true;
  for (const m of early) receive(m);
  if (disconnected) {
    engineWent();
    return;
  }
  process.on("message", receive);
  process.on("disconnect", engineWent);
}
