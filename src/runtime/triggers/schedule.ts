/**
 * @module Cron fire times, pure: the next tick of a schedule in its IANA
 * time zone (croner, the library apply-time validation checks schedules
 * with), and which tick a late timer should fire.
 *
 * Missed ticks are not backfilled, as a Kubernetes CronJob without
 * `startingDeadlineSeconds` past its deadline: a timer that wakes late fires
 * once, for the latest tick that is due, and ticks that fell while no
 * controller ran are dropped. A tick at or before the trigger's recorded
 * `lastScheduleTime` is never fired again, so a restart cannot fire one twice.
 */
import { Cron } from "croner";

/** Parsed schedules, reused while the same schedule and zone are planned. */
const cache = new Map<string, Cron>();
const MAX_CACHE_ENTRIES = 1000;

function cronFor(schedule: string, timezone: string): Cron {
  const key = `${timezone}\u0000${schedule}`;
  let cron = cache.get(key);
  if (!cron) {
    cron = new Cron(schedule, { paused: true, timezone });
    if (cache.size >= MAX_CACHE_ENTRIES) cache.clear();
    cache.set(key, cron);
  }
  return cron;
}

/** The first tick strictly after `after`, or null when the schedule has none. */
export function nextFireTime(schedule: string, timezone: string, after: Date): Date | null {
  return cronFor(schedule, timezone).nextRun(after);
}

/**
 * Where a schedule's plan starts: the first tick after now, or after the
 * last tick already fired when that is later (a clock set back).
 */
export function firstPlannedTick(schedule: string, timezone: string, now: Date, lastScheduleTime: Date | null): Date | null {
  const after = lastScheduleTime && lastScheduleTime > now ? lastScheduleTime : now;
  return nextFireTime(schedule, timezone, after);
}

/** Ticks a single late wake-up walks past before giving up on finding the latest. */
const MAX_CATCH_UP = 10_000;

/**
 * The tick to fire when the timer for `planned` wakes at `now`: the latest
 * tick in [planned, now], or null when `planned` is not due yet. Older due
 * ticks are skipped (one firing per wake-up).
 */
export function dueTick(schedule: string, timezone: string, planned: Date, now: Date): Date | null {
  if (planned > now) return null;
  let due = planned;
  for (let i = 0; i < MAX_CATCH_UP; i++) {
    const next = nextFireTime(schedule, timezone, due);
    if (!next || next > now) return due;
    due = next;
  }
  return due;
}

/** Milliseconds until `at`, clamped to what setTimeout accepts (longer waits wake early and re-plan). */
export function delayUntil(at: Date, now: Date, maxMs = 60 * 60 * 1000): number {
  return Math.min(maxMs, Math.max(0, at.getTime() - now.getTime()));
}
