import { describe, expect, it } from "vitest";
import { changeLines, renderPanel } from "../../../src/cli/output/task-watch-panel.js";
import type { ItemRecord, RunRecord, TaskRecord } from "../../../src/store/task-store.js";

const NOW = Date.parse("2025-01-01T00:01:00.000Z");

const task = (over: Partial<TaskRecord> = {}): TaskRecord => ({
  id: "t-1",
  name: "demo",
  project: "default",
  origin: "cli",
  resourceKind: "Task",
  resourceName: "demo-x",
  resourceGeneration: 1,
  workflow: "wf",
  workspace: "w",
  goal: "",
  spec: { steps: [], vars: {}, targetFiles: [] },
  phase: "Running",
  queued: false,
  claimedBy: null,
  cycle: 1,
  state: {},
  exitCode: null,
  message: null,
  createdAt: "2025-01-01T00:00:00.000Z",
  startedAt: "2025-01-01T00:00:01.000Z",
  finishedAt: null,
  updatedAt: "2025-01-01T00:00:01.000Z",
  ...over,
});

const item: ItemRecord = { id: "i-1", taskId: "t-1", path: "docs/qa/a.md", status: "pending", vars: {}, failures: 0, createdAt: "", updatedAt: "" };

const run = (over: Partial<RunRecord>): RunRecord => ({
  id: "r-1",
  taskId: "t-1",
  itemId: null,
  stepId: "plan",
  cycle: 1,
  agent: null,
  command: "command",
  status: "succeeded",
  exitCode: 0,
  reason: null,
  logPath: null,
  pid: null,
  pgid: null,
  output: null,
  startedAt: "2025-01-01T00:00:02.000Z",
  finishedAt: "2025-01-01T00:00:03.500Z",
  durationMs: 1500,
  ...over,
});

describe("the task watch panel", () => {
  const runs = [
    run({}),
    run({ id: "r-2", stepId: "check", itemId: "i-1", status: "running", exitCode: null, finishedAt: null, durationMs: null, startedAt: "2025-01-01T00:00:50.000Z", agent: "coder" }),
  ];

  it("shows phase and cycle over a table of the latest run per step, with running steps' elapsed time", () => {
    const out = renderPanel({ task: task(), items: [item], runs }, false, NOW);
    expect(out).toBe(
      "task demo (t-1)   phase Running   cycle 1   workflow wf   age 60s\n" +
        "items: 1 (1 pending)\n\n" +
        "STEP    ITEM           STATUS      CYCLE   EXIT   DURATION   AGENT\n" +
        "plan                   succeeded   1       0      1.5s\n" +
        "check   docs/qa/a.md   running     1              10.0s      coder\n",
    );
  });

  it("colours whole rows and the phase only when asked", () => {
    const out = renderPanel({ task: task({ phase: "Failed" }), items: [item], runs }, true, NOW);
    expect(out).toContain("phase \u001b[31mFailed\u001b[39m");
    expect(out).toContain("\u001b[32mplan ");
    expect(out).toContain("\u001b[33mcheck ");
    expect(renderPanel({ task: task(), items: [item], runs }, false, NOW)).not.toContain("\u001b[");
  });

  it("reports only what changed since the last look", () => {
    const first = changeLines(new Map(), { task: task(), items: [item], runs: [runs[1]!] }, "T1");
    expect(first.lines).toEqual(["T1 task demo (t-1) Running cycle 1", "T1 step check [docs/qa/a.md] running (run r-2, cycle 1, agent coder)"]);
    const same = changeLines(first.state, { task: task(), items: [item], runs: [runs[1]!] }, "T2");
    expect(same.lines).toEqual([]);
    const done = changeLines(same.state, { task: task({ phase: "Completed", message: "ok" }), items: [item], runs: [{ ...runs[1]!, status: "succeeded", exitCode: 0, durationMs: 20 }] }, "T3");
    // A finished task's line comes after its steps' results.
    expect(done.lines).toEqual(["T3 step check [docs/qa/a.md] succeeded (run r-2, cycle 1, agent coder, exit 0, 20ms)", "T3 task demo (t-1) Completed cycle 1: ok"]);
  });
});
