/**
 * @module Ending quietly when whoever reads our output goes away, as in
 * `task logs ID | head`: a broken pipe ends the command with status 0
 * instead of a stack trace, as `cat` and `tail` do.
 */
export function exitQuietlyOnBrokenPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
}
