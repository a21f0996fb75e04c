/**
 * @module Step commands are started by a small helper process. Starting a
 * process from Node forks the whole parent: a few milliseconds for an engine
 * holding the store, the schemas and its caches, paid on its only thread.
 * From a helper that holds nothing else the fork is cheap, and it and the
 * copying of output into logs run beside the engine's bookkeeping instead
 * of queueing behind it. Same contract as `runProcess`. A step with no other
 * running beside it, and every step when running from TypeScript sources
 * (tests) or when the helper cannot start, runs inline.
 *
 * The helper also outlives the engine by a moment, in a process group of its
 * own: when the engine dies (kill -9 included) its end of the IPC channel
 * closes, and the helper ends every step still running, its own and the
 * inline ones, which it is told of before they start and once they have a
 * process group (see supervised-groups.ts).
 */
import { fork, type ChildProcess } from "node:child_process";
import type { HostReply, HostRequest } from "./process-host-child.js";
import { HELPER_ENTRY } from "./helper-processes.js";
import { killProcessGroup } from "./process-group.js";
import { ProcessStartError, runProcess, type ProcessResult, type ProcessStarted, type RunProcessOptions } from "./run-process.js";

interface Pending {
  resolve: (result: ProcessResult) => void;
  reject: (err: ProcessStartError) => void;
  onStart?: (started: ProcessStarted) => void | Promise<void>;
  pgid?: number;
  /** `onStart` threw: the command was cancelled, and the run fails with this. */
  startError?: ProcessStartError;
}

class ProcessHost {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private dead = false;

  constructor(private readonly child: ChildProcess) {
    child.on("message", (reply: HostReply) => this.receive(reply));
    child.on("error", (err) => this.fail(err.message));
    child.on("exit", (code, signal) => this.fail(signal ? `signal ${signal}` : `exit code ${code}`));
    this.idle();
  }

  run(options: RunProcessOptions): Promise<ProcessResult> {
    const { signal, onStart, ...rest } = options;
    if (signal?.aborted) return Promise.reject(new ProcessStartError({ reason: "cancelled", message: "cancelled before the command started" }));
    const id = this.nextId++;
    return new Promise<ProcessResult>((resolve, reject) => {
      const onAbort = (): void => this.send({ type: "cancel", id });
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle = (): void => {
        signal?.removeEventListener("abort", onAbort);
        this.pending.delete(id);
        if (this.pending.size === 0) this.idle();
      };
      this.pending.set(id, {
        resolve: (r) => (settle(), resolve(r)),
        reject: (e) => (settle(), reject(e)),
        ...(onStart ? { onStart } : {}),
      });
      // A run in flight keeps this process alive, as an inline child would.
      this.child.ref();
      this.child.channel?.ref();
      this.send({ type: "run", id, options: rest });
    });
  }

  /** Inline commands: about to start, started, ended (see `HostRequest`). */
  expect(key: string, runId: string | undefined, logPath: string): void {
    this.send({ type: "expect", key, logPath, ...(runId !== undefined ? { runId } : {}) });
  }

  watch(key: string, pgid: number): void {
    this.send({ type: "watch", key, pgid });
  }

  release(key: string): void {
    this.send({ type: "release", key });
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** With nothing running the helper does not keep this process alive. */
  private idle(): void {
    this.child.unref();
    this.child.channel?.unref();
  }

  private send(request: HostRequest): void {
    if (!this.dead) this.child.send(request);
  }

  private receive(reply: HostReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    switch (reply.type) {
      case "started":
        p.pgid = reply.started.pgid;
        Promise.resolve()
          .then(() => p.onStart?.(reply.started))
          .catch((err: unknown) => {
            p.startError = new ProcessStartError({ reason: "on-start", message: `recording the started process failed: ${err instanceof Error ? err.message : String(err)}`, cause: err });
            this.send({ type: "cancel", id: reply.id });
          });
        break;
      case "done":
        if (p.startError) p.reject(p.startError);
        else p.resolve(reply.result);
        break;
      case "failed":
        p.reject(new ProcessStartError({ reason: reply.reason, message: reply.message }));
        break;
    }
  }

  /** The helper died: its commands cannot be observed any more, so they are stopped, and each run fails. */
  private fail(why: string): void {
    if (this.dead) return;
    this.dead = true;
    for (const p of this.pending.values()) {
      if (p.pgid !== undefined) {
        try {
          killProcessGroup(p.pgid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      p.reject(new ProcessStartError({ reason: "spawn", message: `the helper process running step commands stopped (${why})` }));
    }
    this.pending.clear();
    // Inline commands still running need a watcher: a new helper, told about them as it starts
    // (at most one a second: a helper that cannot start is not retried in a tight loop).
    if (inline.size > 0) setTimeout(() => void (inline.size > 0 && host()), Math.max(0, startedAt + 1000 - Date.now())).unref();
  }
}

let current: ProcessHost | undefined;

let startedAt = 0;

function start(): ProcessHost | undefined {
  // Compiled output only: from TypeScript sources there is no helper to start.
  if (!import.meta.url.endsWith(".js")) return undefined;
  startedAt = Date.now();
  try {
    // The engine's pid as its argument: a later controller finds a dead engine's helper by it (see `helpersOf`).
    const child = fork(new URL(`./${HELPER_ENTRY}`, import.meta.url), [String(process.pid)], {
      // Its own group: Ctrl-C reaches the engine, which cancels what runs.
      detached: true,
      execArgv: [],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    return new ProcessHost(child);
  } catch {
    return undefined;
  }
}

/** Inline commands running now, so a helper started after one died can watch them too. */
const inline = new Map<string, { runId: string | undefined; logPath: string; pgid?: number }>();
let nextInline = 0;

function host(): ProcessHost | undefined {
  if (current?.alive) return current;
  current = start();
  if (current) {
    for (const [key, c] of inline) {
      current.expect(key, c.runId, c.logPath);
      if (c.pgid !== undefined) current.watch(key, c.pgid);
    }
  }
  return current;
}

/** Starts the helper ahead of need (the controller runs steps side by side), so no step waits for it to load. */
export function warmUpProcessHost(): void {
  host();
}

let inFlight = 0;

/**
 * `runProcess`, through the helper while another command of this process is
 * running: a lone step gains nothing from overlap and starts soonest inline,
 * watched by the helper all the same.
 */
export async function runHostedProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const helper = host();
  const hosted = helper !== undefined && inFlight > 0;
  inFlight++;
  try {
    return await (hosted ? helper.run(options) : runInline(options));
  } finally {
    inFlight--;
  }
}

/** Runs the command in this process; the helper hears of it before it starts, and of its group once it has one. */
async function runInline(options: RunProcessOptions): Promise<ProcessResult> {
  const key = `i${nextInline++}`;
  const command: { runId: string | undefined; logPath: string; pgid?: number } = { runId: options.runId, logPath: options.logPath };
  inline.set(key, command);
  current?.expect(key, options.runId, options.logPath);
  const onStart = options.onStart;
  try {
    return await runProcess({
      ...options,
      onStart: (started) => {
        command.pgid = started.pgid;
        current?.watch(key, started.pgid);
        return onStart?.(started);
      },
    });
  } finally {
    inline.delete(key);
    current?.release(key);
  }
}
