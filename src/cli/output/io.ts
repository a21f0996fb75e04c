/**
 * @module Writing to stdout and stderr, and whether colour is allowed.
 */
export function writeOut(text: string): void {
  process.stdout.write(text);
}

export function writeErr(text: string): void {
  process.stderr.write(text);
}

/** Colour only on a terminal and never when NO_COLOR is set. */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return !!stream.isTTY && !("NO_COLOR" in process.env);
}
