/**
 * @module Writing to stdout and stderr, whether colour is allowed, and what
 * happens when whoever reads our output goes away (`orchestrator ... | head`).
 */
import { colorEnabled } from "./color.js";

/** Streams whose reader has gone: writing to them again would only fail again. */
const closed = new Set<NodeJS.WriteStream>();
let brokenPipeSeen = false;
let onBrokenPipe: (() => void) | undefined;

export function writeOut(text: string): void {
  if (!closed.has(process.stdout)) process.stdout.write(text);
}

/**
 * `writeOut` for output of any size: resolves once stdout can take more.
 * Writes to a pipe are queued in memory by Node; a reader slower than a
 * file is read (a pager, `| gzip`, a terminal) would otherwise let the
 * queue grow to the file's size.
 */
export function writeOutWhenReady(text: string): Promise<void> {
  const out = process.stdout;
  if (closed.has(out) || out.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      out.off("drain", done);
      out.off("close", done);
      out.off("error", done);
      resolve();
    };
    out.on("drain", done);
    out.on("close", done);
    out.on("error", done);
  });
}

export function writeErr(text: string): void {
  if (!closed.has(process.stderr)) process.stderr.write(text);
}

/** Whether to colour what goes to `stream`: `--color`, NO_COLOR, FORCE_COLOR, a terminal (see color.ts). */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return colorEnabled(stream);
}

/**
 * A command with work in flight (a step running in this process) says how to
 * wind it down when its output's reader goes away; it then ends on its own.
 * Returns a function that takes the handler back.
 */
export function whenOutputCloses(handler: () => void): () => void {
  onBrokenPipe = handler;
  return () => {
    if (onBrokenPipe === handler) onBrokenPipe = undefined;
  };
}

/**
 * Installed once for every command: a write to a closed pipe (EPIPE) ends the
 * command quietly with status 0, as `cat` and `tail` end, instead of an
 * unhandled 'error' stack trace. Node ignores SIGPIPE, so the write fails
 * with EPIPE instead of killing the process. A command that registered
 * `whenOutputCloses` winds down through it; a process that handles SIGTERM
 * (the foreground controller) is sent one, for its graceful stop; anything
 * else exits at once (its writes to the store are synchronous transactions,
 * so none is left half done).
 */
export function endQuietlyOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
      closed.add(stream);
      if (brokenPipeSeen) return;
      brokenPipeSeen = true;
      if (onBrokenPipe) onBrokenPipe();
      else if (process.listenerCount("SIGTERM") > 0) process.kill(process.pid, "SIGTERM");
      else process.exit(0);
    });
  }
}
