/**
 * @module Whether output is coloured, and colouring it: `--color=always`
 * or `never` decide; `auto` (the default) colours a terminal unless
 * `NO_COLOR` is set (to anything but the empty string, as no-color.org
 * says), and `FORCE_COLOR` (anything but `0` or `false`) colours even a
 * pipe. The text is styled by Node's `util.styleText`; the decision is made
 * here so that `--color` can override the environment.
 */
import { styleText } from "node:util";

export type ColorMode = "auto" | "always" | "never";

export const COLOR_MODES: readonly ColorMode[] = ["auto", "always", "never"];

let mode: ColorMode = "auto";

/** Set once by `--color` before a command runs. */
export function setColorMode(m: ColorMode): void {
  mode = m;
}

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (mode !== "auto") return mode === "always";
  const force = env["FORCE_COLOR"];
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  return stream.isTTY === true;
}

export type Style = Parameters<typeof styleText>[0];

/** `text` styled when `enabled`; Node's own check is skipped, the decision being ours (colorEnabled). */
export function style(format: Style, text: string, enabled: boolean): string {
  return enabled ? styleText(format, text, { validateStream: false }) : text;
}
