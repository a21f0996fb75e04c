/**
 * @module Shutdown on SIGTERM/SIGINT: the first signal starts one graceful
 * stop; a second signal exits at once, for when the graceful stop hangs.
 */
import { constants as osConstants } from "node:os";

export interface ShutdownSignalOptions {
  /** The graceful stop (stop claiming, wait for running steps, release the lock). Runs once. */
  onShutdown: (signal: NodeJS.Signals) => void | Promise<void>;
  /** Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** Where the "stopping" lines go. Default stderr. */
  log?: (message: string) => void;
  /** How a forced exit happens. Default `process.exit`. */
  exit?: (code: number) => void;
}

export interface ShutdownSignals {
  /** The first signal received, if any. */
  readonly received: NodeJS.Signals | undefined;
  /** Settles when the graceful stop started by a signal has finished; rejects if it failed. */
  readonly done: Promise<void>;
  /** Removes the handlers, restoring Node's default (exit on signal). */
  uninstall(): void;
}

export function installShutdownSignals(options: ShutdownSignalOptions): ShutdownSignals {
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  const log = options.log ?? ((message: string) => void process.stderr.write(`${message}\n`));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let received: NodeJS.Signals | undefined;
  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may await `done` when no signal ever comes; do not report that as unhandled.
  done.catch(() => undefined);

  const handler = (signal: NodeJS.Signals): void => {
    if (received !== undefined) {
      log(`received ${signal} again; exiting now without waiting for running steps`);
      exit(128 + (osConstants.signals[signal] ?? 0));
      return;
    }
    received = signal;
    log(`received ${signal}; stopping gracefully (send ${signal} again to exit at once)`);
    Promise.resolve()
      .then(() => options.onShutdown(signal))
      .then(settle.resolve, (error: unknown) => {
        log(`graceful stop failed: ${error instanceof Error ? error.message : String(error)}`);
        settle.reject(error);
      });
  };

  for (const signal of signals) process.on(signal, handler);
  return {
    get received() {
      return received;
    },
    done,
    uninstall: () => {
      for (const signal of signals) process.off(signal, handler);
    },
  };
}
