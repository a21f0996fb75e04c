import { describe, expect, it } from "vitest";
import { applyTaskPatch } from "../../../src/store/sqlite/task-patch.js";
import type { TaskRecord } from "../../../src/store/task-store.js";

const NOW = "2025-01-02T03:04:05.000Z";

function task(o: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id: "t-1",
    name: "n",
    project: "default",
    origin: "cli",
    resourceKind: null,
    resourceName: null,
    resourceGeneration: null,
    workflow: null,
    workspace: null,
    goal: "",
    spec: { steps: [], vars: {}, targetFiles: [] },
    phase: "Pending",
    queued: true,
    claimedBy: null,
    cycle: 0,
    state: {},
    exitCode: null,
    message: null,
    createdAt: "c",
    startedAt: null,
    finishedAt: null,
    updatedAt: "u",
    ...o,
  };
}

describe("applyTaskPatch", () => {
  it("writes the given fields, ignores explicit undefined, keeps null as a value, and stamps updatedAt", () => {
    const after = applyTaskPatch(task({ claimedBy: "w", message: "m" }), { claimedBy: null, message: undefined, cycle: 3 }, NOW);
    expect(after).toMatchObject({ claimedBy: null, message: "m", cycle: 3, updatedAt: NOW });
  });

  it("entering Running sets startedAt once", () => {
    expect(applyTaskPatch(task(), { phase: "Running" }, NOW).startedAt).toBe(NOW);
    expect(applyTaskPatch(task({ phase: "Paused", startedAt: "s" }), { phase: "Running" }, NOW).startedAt).toBe("s");
  });

  it("entering a terminal phase or Paused leaves the queue and (terminal) sets finishedAt, unless the patch says otherwise", () => {
    expect(applyTaskPatch(task(), { phase: "Cancelled" }, NOW)).toMatchObject({ queued: false, finishedAt: NOW });
    expect(applyTaskPatch(task(), { phase: "Paused" }, NOW)).toMatchObject({ queued: false, finishedAt: null });
    expect(applyTaskPatch(task(), { phase: "Failed", queued: true, finishedAt: "f" }, NOW)).toMatchObject({ queued: true, finishedAt: "f" });
  });

  it("leaving a terminal phase clears the old result", () => {
    const failed = task({ phase: "Failed", queued: false, exitCode: 2, finishedAt: "f" });
    expect(applyTaskPatch(failed, { phase: "Pending", queued: true }, NOW)).toMatchObject({ finishedAt: null, exitCode: null, queued: true });
  });

  it("a patch that keeps the phase changes no timestamps or queue state", () => {
    const running = task({ phase: "Running", queued: false, startedAt: "s" });
    expect(applyTaskPatch(running, { phase: "Running", cycle: 2 }, NOW)).toMatchObject({ startedAt: "s", queued: false, finishedAt: null, cycle: 2 });
  });
});
