/**
 * @module The process-host child (see process-host.ts): runs each command
 * it is sent with `runProcess` and reports back when it started and how it
 * ended, over the IPC channel. Cancelling aborts a run (its process group
 * is killed). When the engine's process goes away, so does this one.
 */
import { runProcess, type ProcessResult, type ProcessStarted, type ProcessStartFailure, type RunProcessOptions } from "./run-process.js";

/** What of `RunProcessOptions` crosses the process boundary: everything but callbacks and the signal. */
export type HostedOptions = Omit<RunProcessOptions, "signal" | "onStart">;

export type HostRequest = { type: "run"; id: number; options: HostedOptions } | { type: "cancel"; id: number };

export type HostReply =
  | { type: "started"; id: number; started: ProcessStarted }
  | { type: "done"; id: number; result: ProcessResult }
  | { type: "failed"; id: number; reason: ProcessStartFailure; message: string };

const aborts = new Map<number, AbortController>();

function post(reply: HostReply): void {
  // The engine's process may be gone already; it has nothing left to tell.
  if (process.connected) process.send!(reply);
}

function run(id: number, options: HostedOptions): void {
  const abort = new AbortController();
  aborts.set(id, abort);
  // Reported, not awaited: the engine records the pid while the command runs, and cancels it if that fails.
  const onStart = (started: ProcessStarted): void => post({ type: "started", id, started });
  runProcess({ ...options, signal: abort.signal, onStart })
    .then(
      (result) => post({ type: "done", id, result }),
      (err: unknown) => {
        const e = err as { reason?: ProcessStartFailure; message?: string };
        post({ type: "failed", id, reason: e.reason ?? "spawn", message: e.message ?? String(err) });
      },
    )
    .finally(() => aborts.delete(id));
}

if (process.send) {
  process.on("message", (m: HostRequest) => {
    switch (m.type) {
      case "run":
        run(m.id, m.options);
        break;
      case "cancel":
        aborts.get(m.id)?.abort();
        break;
    }
  });
  // The engine died or exited: a step's output has no one to reach now, as when it ran inline.
  process.on("disconnect", () => process.exit(0));
}
