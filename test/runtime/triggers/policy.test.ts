import { describe, expect, it } from "vitest";
import { decideFiring, isTaskOfTrigger, tasksToPrune, throttleWait, type TaskFacts } from "../../../src/runtime/triggers/policy.js";
import type { TaskPhase } from "../../../src/store/task-store.js";

const t = (id: string, phase: TaskPhase, second: number): TaskFacts => ({ id, phase, createdAt: `2026-01-01T00:00:${String(second).padStart(2, "0")}.000Z` });

describe("decideFiring", () => {
  const finished = [t("a", "Completed", 1), t("b", "Failed", 2), t("c", "Cancelled", 3)];

  it("fires under every policy when no task of the trigger is active", () => {
    for (const policy of ["Allow", "Forbid", "Replace"] as const) expect(decideFiring(policy, finished)).toEqual({ fire: true, cancel: [] });
  });

  it("Allow starts another while one is active", () => {
    expect(decideFiring("Allow", [...finished, t("r", "Running", 4)])).toEqual({ fire: true, cancel: [] });
  });

  it("Forbid skips while one is pending, running or paused", () => {
    for (const phase of ["Pending", "Running", "Paused"] as const) {
      expect(decideFiring("Forbid", [...finished, t("x", phase, 4)])).toEqual({ fire: false, reason: "concurrent_task_active", active: ["x"] });
    }
  });

  it("Replace cancels every active one and fires", () => {
    expect(decideFiring("Replace", [t("p", "Pending", 1), t("done", "Completed", 2), t("r", "Running", 3)])).toEqual({ fire: true, cancel: ["p", "r"] });
  });
});

describe("tasksToPrune", () => {
  it("keeps the newest finished tasks up to each limit and never an active one", () => {
    const tasks = [
      t("c1", "Completed", 1),
      t("f1", "Failed", 2),
      t("c2", "Completed", 3),
      t("x1", "Cancelled", 4),
      t("c3", "Completed", 5),
      t("r1", "Running", 6),
      t("p1", "Paused", 7),
    ];
    expect(tasksToPrune(tasks, { successful: 1, failed: 1 })).toEqual(["c1", "f1", "c2"]);
    expect(tasksToPrune(tasks, { successful: 5, failed: 5 })).toEqual([]);
    expect(tasksToPrune(tasks, { successful: 0, failed: 0 })).toEqual(["c1", "f1", "c2", "x1", "c3"]);
  });

  it("orders by creation time whatever order the tasks come in; ties keep the listed order", () => {
    expect(tasksToPrune([t("new", "Completed", 9), t("old", "Completed", 1)], { successful: 1, failed: 0 })).toEqual(["old"]);
    expect(tasksToPrune([t("first", "Completed", 1), t("second", "Completed", 1)], { successful: 1, failed: 0 })).toEqual(["first"]);
  });
});

describe("isTaskOfTrigger", () => {
  it("is the trigger's by origin, project and the trigger-<name> task name", () => {
    const trigger = { project: "p", name: "nightly" };
    expect(isTaskOfTrigger({ origin: "trigger", project: "p", name: "trigger-nightly" }, trigger)).toBe(true);
    expect(isTaskOfTrigger({ origin: "cli", project: "p", name: "trigger-nightly" }, trigger)).toBe(false);
    expect(isTaskOfTrigger({ origin: "trigger", project: "q", name: "trigger-nightly" }, trigger)).toBe(false);
    expect(isTaskOfTrigger({ origin: "trigger", project: "p", name: "trigger-other" }, trigger)).toBe(false);
  });
});

describe("throttleWait", () => {
  const last = "2026-01-01T00:00:00.000Z";
  const at = (secs: number): number => Date.parse(last) + secs * 1000;

  it("holds a firing back until minInterval seconds after the last one, and says from when it may fire", () => {
    expect(throttleWait(60, last, at(1))).toBe("2026-01-01T00:01:00.000Z");
    expect(throttleWait(60, last, at(59.999))).toBe("2026-01-01T00:01:00.000Z");
    expect(throttleWait(60, last, at(60))).toBeUndefined();
  });

  it("never holds back a trigger that has not fired yet, or one without a throttle", () => {
    expect(throttleWait(60, undefined, at(1))).toBeUndefined();
    expect(throttleWait(0, last, at(1))).toBeUndefined();
  });
});
