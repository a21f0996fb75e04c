/**
 * @module Progress of long work on a terminal (`apply`, `sync`, `diff`,
 * `manifest validate`): nothing for the first two seconds (most runs end
 * sooner), then one line on stderr, redrawn in place with what is being
 * done and for how long, and cleared when the work ends. Never on a pipe or
 * in CI, so output that programs read is not touched. The delay is
 * `ORCHESTRATOR_PROGRESS_DELAY` (a duration; default 2s).
 */
import { parseDuration } from "../../resources/duration.js";
import { style } from "./color.js";
import { colorEnabled } from "./color.js";

export interface Progress {
  /** What is being done now (`validating 10000 documents`). */
  update(what: string): void;
  /** Clears the line; true when it was shown (the work was long). */
  done(): boolean;
  /** Milliseconds since the work started. */
  elapsedMs(): number;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const DEFAULT_DELAY_MS = 2000;

function delayMs(env: NodeJS.ProcessEnv): number {
  const v = env["ORCHESTRATOR_PROGRESS_DELAY"];
  if (v === undefined) return DEFAULT_DELAY_MS;
  try {
    return parseDuration(v, "ORCHESTRATOR_PROGRESS_DELAY", { bareUnit: "ms", allowZero: true });
  } catch {
    return DEFAULT_DELAY_MS;
  }
}

/** Starts timing `label`; a line appears on `stream` only if it is a terminal and the work outlasts the delay. */
export function startProgress(label: string, stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): Progress {
  const started = Date.now();
  const elapsedMs = (): number => Date.now() - started;
  if (stream.isTTY !== true) return { update: () => undefined, done: () => false, elapsedMs };
  const delay = delayMs(env);
  const colour = colorEnabled(stream, env);
  let what = label;
  let frame = 0;
  let shown = false;
  const draw = (): void => {
    if (elapsedMs() < delay) return;
    shown = true;
    const secs = (elapsedMs() / 1000).toFixed(1);
    const cols = stream.columns || 80;
    const text = `${FRAMES[frame++ % FRAMES.length]} ${what} (${secs}s)`.slice(0, cols - 1);
    stream.write(`\r\u001b[2K${style("cyan", text, colour)}`);
  };
  // The timer fires between steps of the work; update() draws at each step too, for work that holds the thread.
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    update(next) {
      what = `${label}: ${next}`;
      draw();
    },
    done() {
      clearInterval(timer);
      if (shown) stream.write("\r\u001b[2K");
      return shown;
    },
    elapsedMs,
  };
}
