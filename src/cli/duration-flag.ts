/**
 * @module Duration flags: every one takes `250ms`, `30s`, `5m`, `1h`
 * (resources/duration.ts); a bare number keeps the unit the flag had before
 * units were accepted (`--debounce 50` is milliseconds, `--timeout 30`
 * seconds). A bad value is a usage error naming the flag.
 */
import { DurationError, parseDuration, type DurationOptions } from "../resources/duration.js";
import { UsageError } from "./errors.js";

export function durationFlag(flag: string, value: string, opts: DurationOptions = {}): number {
  try {
    return parseDuration(value, flag, opts);
  } catch (err) {
    if (err instanceof DurationError) throw new UsageError(err.message);
    throw err;
  }
}
