/**
 * @module Durations as people write them on the command line and in
 * manifests: `250ms`, `30s`, `5m`, `1h`, `1m30s`. Every duration flag and
 * field reads them here, so they all take the same spellings.
 */

export class DurationError extends Error {
  override readonly name = "DurationError";
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export interface DurationOptions {
  /** What a bare number means; without it a bare number is refused. */
  bareUnit?: "ms" | "s";
  /** The shortest duration allowed, in ms. */
  minMs?: number;
  /** Allow `0` (and `0s`). */
  allowZero?: boolean;
}

/** Milliseconds of `text`; a DurationError saying how to write one otherwise. `what` names it in messages. */
export function parseDuration(text: string, what = "duration", opts: DurationOptions = {}): number {
  const t = text.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(t)) {
    if (!opts.bareUnit) throw new DurationError(`invalid ${what} '${text}': give a unit, as in 250ms, 30s, 5m or 1h`);
    ms = Math.round(Number(t) * UNIT_MS[opts.bareUnit]!);
  } else {
    const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== t) {
      throw new DurationError(`invalid ${what} '${text}': use a duration such as 250ms, 30s, 5m, 1h or 1m30s`);
    }
    ms = Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0));
  }
  if (ms === 0 && !opts.allowZero) throw new DurationError(`invalid ${what} '${text}': it must be longer than 0`);
  if (opts.minMs !== undefined && ms < opts.minMs && !(ms === 0 && opts.allowZero)) {
    throw new DurationError(`${what} '${text}' is shorter than ${formatDuration(opts.minMs)}`);
  }
  return ms;
}

/** `60000` -> `1m`, `90000` -> `1m30s`, `250` -> `250ms`. */
export function formatDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s || (!h && !m) ? `${s}s` : ""}`;
}
