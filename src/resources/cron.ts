/**
 * @module Cron schedules and IANA time zones as a Trigger writes them:
 * 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds
 * first, checked with croner, the library the scheduler runs them with.
 */
import { Cron } from "croner";

export type CheckResult = { ok: true } | { ok: false; message: string };

/** Checks the expression alone; the zone is checked by checkTimeZone. */
export function checkCronExpression(expr: string): CheckResult {
  const fields = expr.trim().split(/\s+/);
  // croner also takes @daily-style nicknames; upstream documents fields only, so do we.
  if (expr.trim().startsWith("@") || (fields.length !== 5 && fields.length !== 6)) {
    return { ok: false, message: `cron expression '${expr}' must have 5 fields (minute hour day month weekday) or 6 with seconds first, got ${fields.length}` };
  }
  try {
    new Cron(expr, { paused: true }).stop();
    return { ok: true };
  } catch (err) {
    return { ok: false, message: `invalid cron expression '${expr}': ${cronReason(err)}` };
  }
}

function cronReason(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/^CronPattern:\s*/, "");
}

/** Valid when the runtime's time zone database knows the name (`UTC`, `Asia/Shanghai`). */
export function checkTimeZone(zone: string): CheckResult {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return { ok: true };
  } catch {
    return { ok: false, message: `unknown time zone '${zone}'; use an IANA name such as UTC, Europe/Berlin or Asia/Shanghai` };
  }
}
