/**
 * @module Ages and durations as the CLI's tables show them (the same
 * functions), and times for people.
 */
export { formatAge } from "../../src/cli/output/age.js";
export { formatDuration } from "../../src/cli/output/duration.js";

/** `2026-05-01 14:03:07` in the browser's time zone. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** `in 3m` or `5m ago`. */
export function relative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const secs = Math.round((t - now) / 1000);
  const abs = Math.abs(secs);
  const text = abs < 120 ? `${abs}s` : abs < 7200 ? `${Math.round(abs / 60)}m` : abs < 172800 ? `${Math.round(abs / 3600)}h` : `${Math.round(abs / 86400)}d`;
  // By the exact difference: a moment just past reads "0s ago", not "in 0s".
  return t >= now ? `in ${text}` : `${text} ago`;
}
