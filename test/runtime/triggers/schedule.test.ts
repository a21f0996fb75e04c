import { describe, expect, it } from "vitest";
import { delayUntil, dueTick, firstPlannedTick, nextFireTime } from "../../../src/runtime/triggers/schedule.js";

const at = (iso: string): Date => new Date(iso);

describe("nextFireTime", () => {
  it("reads the schedule in its time zone", () => {
    // 02:00 in Shanghai (UTC+8) is 18:00 UTC the day before.
    expect(nextFireTime("0 2 * * *", "Asia/Shanghai", at("2026-01-01T00:00:00Z"))).toEqual(at("2026-01-01T18:00:00Z"));
    expect(nextFireTime("0 2 * * *", "UTC", at("2026-01-01T00:00:00Z"))).toEqual(at("2026-01-01T02:00:00Z"));
  });

  it("follows daylight saving time: a wall-clock time that does not exist runs once that day, an hour later", () => {
    // Berlin springs forward on 2026-03-29 at 02:00 (to 03:00): 02:30 falls in the gap.
    expect(nextFireTime("30 2 * * *", "Europe/Berlin", at("2026-03-28T12:00:00Z"))).toEqual(at("2026-03-29T01:30:00Z"));
    // The next day it is 02:30 CEST again (UTC+2).
    expect(nextFireTime("30 2 * * *", "Europe/Berlin", at("2026-03-29T12:00:00Z"))).toEqual(at("2026-03-30T00:30:00Z"));
  });

  it("takes 6 fields with seconds first, and returns the first tick strictly after the given time", () => {
    expect(nextFireTime("*/1 * * * * *", "UTC", at("2026-01-01T00:00:05.000Z"))).toEqual(at("2026-01-01T00:00:06.000Z"));
    expect(nextFireTime("*/1 * * * * *", "UTC", at("2026-01-01T00:00:05.400Z"))).toEqual(at("2026-01-01T00:00:06.000Z"));
    expect(nextFireTime("0 */5 * * * *", "UTC", at("2026-01-01T00:07:00Z"))).toEqual(at("2026-01-01T00:10:00Z"));
  });
});

describe("firstPlannedTick", () => {
  it("does not backfill: ticks missed while no controller ran are dropped", () => {
    const now = at("2026-01-02T10:30:00Z");
    const lastFired = at("2026-01-01T02:00:00Z");
    expect(firstPlannedTick("0 2 * * *", "UTC", now, lastFired)).toEqual(at("2026-01-03T02:00:00Z"));
  });

  it("never plans a tick at or before the last one fired (a restart, or a clock set back)", () => {
    const lastFired = at("2026-01-01T00:00:10Z");
    expect(firstPlannedTick("*/1 * * * * *", "UTC", at("2026-01-01T00:00:10Z"), lastFired)).toEqual(at("2026-01-01T00:00:11Z"));
    expect(firstPlannedTick("*/1 * * * * *", "UTC", at("2026-01-01T00:00:03Z"), lastFired)).toEqual(at("2026-01-01T00:00:11Z"));
    expect(firstPlannedTick("*/1 * * * * *", "UTC", at("2026-01-01T00:00:03Z"), null)).toEqual(at("2026-01-01T00:00:04Z"));
  });
});

describe("dueTick", () => {
  it("is null until the planned tick is due", () => {
    expect(dueTick("0 * * * *", "UTC", at("2026-01-01T01:00:00Z"), at("2026-01-01T00:59:59.999Z"))).toBeNull();
  });

  it("is the planned tick when the timer wakes on time", () => {
    expect(dueTick("0 * * * *", "UTC", at("2026-01-01T01:00:00Z"), at("2026-01-01T01:00:00.002Z"))).toEqual(at("2026-01-01T01:00:00Z"));
  });

  it("is the latest due tick when the timer wakes late: one firing, older ticks skipped", () => {
    expect(dueTick("0 * * * *", "UTC", at("2026-01-01T01:00:00Z"), at("2026-01-01T04:30:00Z"))).toEqual(at("2026-01-01T04:00:00Z"));
    expect(dueTick("*/1 * * * * *", "UTC", at("2026-01-01T00:00:01Z"), at("2026-01-01T00:00:09.5Z"))).toEqual(at("2026-01-01T00:00:09Z"));
  });
});

describe("delayUntil", () => {
  it("is never negative and never longer than the cap", () => {
    const now = at("2026-01-01T00:00:00Z");
    expect(delayUntil(at("2025-12-31T23:59:59Z"), now)).toBe(0);
    expect(delayUntil(at("2026-01-01T00:00:01.5Z"), now)).toBe(1500);
    expect(delayUntil(at("2027-01-01T00:00:00Z"), now)).toBe(60 * 60 * 1000);
  });
});
