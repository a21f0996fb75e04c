import { describe, expect, it } from "vitest";
import { transitionEvents } from "../../../src/store/sqlite/task-events.js";
import type { TaskPhase, TaskRecord } from "../../../src/store/task-store.js";

function task(phase: TaskPhase, queued: boolean): TaskRecord {
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
    phase,
    queued,
    claimedBy: null,
    cycle: 0,
    state: {},
    exitCode: null,
    message: null,
    createdAt: "c",
    startedAt: null,
    finishedAt: null,
    updatedAt: "u",
  };
}

describe("transitionEvents", () => {
  it.each([
    ["Pending", false, "Running", false, ["task_started"]],
    ["Running", false, "Paused", false, ["task_paused"]],
    ["Paused", false, "Running", false, ["task_resumed"]],
    ["Paused", false, "Pending", true, ["task_resumed", "task_queued"]],
    ["Running", false, "Completed", false, ["task_completed"]],
    ["Running", false, "Failed", false, ["task_failed"]],
    ["Pending", true, "Cancelled", false, ["task_cancelled"]],
    ["Failed", false, "Pending", true, ["task_resumed", "task_queued"]],
    ["Completed", false, "Pending", true, ["task_queued"]],
    ["Paused", false, "Paused", true, ["task_queued"]],
    ["Running", false, "Running", false, []],
    ["Pending", true, "Pending", false, []],
  ] as const)("%s (queued %s) -> %s (queued %s) records %j", (from, q1, to, q2, expected) => {
    expect(transitionEvents(task(from, q1), task(to, q2))).toEqual(expected);
  });
});
