import { describe, expect, it } from "vitest";
import { conditionVariables, defaultGoal, fileEventOf, matchEvent, taskEventOf, type TriggerEvent } from "../../../src/runtime/triggers/match.js";
import type { TriggerDef, TriggerSource } from "../../../src/runtime/triggers/spec.js";
import type { StoredEvent } from "../../../src/store/store.js";

const trigger = (source: TriggerSource, extra: Partial<TriggerDef> = {}): TriggerDef => ({
  project: "default",
  name: "deploy-after-build",
  generation: 1,
  createdAt: "2026-01-01T00:00:00.000Z",
  spec: { source, action: { workflow: "deploy", workspace: "ws", vars: {}, start: true }, concurrencyPolicy: "Forbid", suspend: false, historyLimit: { successful: 5, failed: 5 }, minIntervalSecs: 0 },
  ...extra,
});

const stored = (over: Partial<StoredEvent> = {}): StoredEvent => ({
  id: 7,
  ts: "2026-01-01T00:01:00.000Z",
  type: "task_completed",
  project: "default",
  kind: "Task",
  name: "build-abcde",
  message: "task build completed",
  actor: null,
  taskId: "t-1",
  runId: null,
  data: { task: "build", phase: "Completed", origin: "cli", workflow: "build", exitCode: 0, message: "completed after 1 cycle(s)" },
  ...over,
});

describe("taskEventOf", () => {
  it("makes a payload of a task_completed or task_failed event", () => {
    const e = taskEventOf(stored())!;
    expect(e).toMatchObject({ source: "task_completed", project: "default", workflow: "build", origin: "cli", taskName: "build" });
    expect(e.payload).toEqual({
      event_type: "task_completed",
      project: "default",
      timestamp: "2026-01-01T00:01:00.000Z",
      task_id: "t-1",
      task_name: "build",
      workflow: "build",
      phase: "Completed",
      origin: "cli",
      exit_code: 0,
      message: "completed after 1 cycle(s)",
    });
    expect(taskEventOf(stored({ type: "task_failed" }))?.source).toBe("task_failed");
  });

  it("ignores every other event", () => {
    expect(taskEventOf(stored({ type: "task_created" }))).toBeUndefined();
    expect(taskEventOf(stored({ type: "resource_created" }))).toBeUndefined();
  });
});

describe("matchEvent", () => {
  const completed = taskEventOf(stored())!;

  it("matches the source it listens to, in its own project, after it was created", () => {
    expect(matchEvent(trigger({ kind: "task_event", source: "task_completed" }), completed)).toEqual({ match: true });
    expect(matchEvent(trigger({ kind: "task_event", source: "task_failed" }), completed)).toEqual({ match: false });
    expect(matchEvent(trigger({ kind: "task_event", source: "task_completed" }, { project: "other" }), completed)).toEqual({ match: false });
    expect(matchEvent(trigger({ kind: "task_event", source: "task_completed" }, { createdAt: "2026-01-01T00:02:00.000Z" }), completed)).toEqual({ match: false });
  });

  it("narrows by filter.workflow", () => {
    expect(matchEvent(trigger({ kind: "task_event", source: "task_completed", workflow: "build" }), completed)).toEqual({ match: true });
    expect(matchEvent(trigger({ kind: "task_event", source: "task_completed", workflow: "lint" }), completed)).toEqual({ match: false });
  });

  it("never fires on the completion of one of its own tasks", () => {
    const own = taskEventOf(stored({ data: { task: "trigger-deploy-after-build", origin: "trigger", workflow: "deploy", phase: "Completed" } }))!;
    expect(matchEvent(trigger({ kind: "task_event", source: "task_completed" }), own)).toEqual({ match: false });
    const other = taskEventOf(stored({ data: { task: "trigger-nightly", origin: "trigger", workflow: "deploy", phase: "Completed" } }))!;
    expect(matchEvent(trigger({ kind: "task_event", source: "task_completed" }), other)).toEqual({ match: true });
  });

  it("evaluates filter.condition over payload_<field>, payload and payload_json", () => {
    const withCondition = (condition: string) => trigger({ kind: "task_event", source: "task_completed", condition });
    expect(matchEvent(withCondition("payload_workflow == 'build' && payload_exit_code == 0"), completed)).toEqual({ match: true });
    expect(matchEvent(withCondition("payload.task_name.startsWith('bu')"), completed)).toEqual({ match: true });
    expect(matchEvent(withCondition("payload_json.contains('\"phase\":\"Completed\"')"), completed)).toEqual({ match: true });
    expect(matchEvent(withCondition("payload_exit_code != 0"), completed)).toEqual({ match: false });
  });

  it("reports a condition that cannot be evaluated or is not a bool", () => {
    const bad = matchEvent(trigger({ kind: "task_event", source: "task_completed", condition: "payload_nope == 1" }), completed);
    expect(bad.match).toBe(false);
    expect(bad).toHaveProperty("error", expect.stringMatching(/^filter\.condition: /));
    expect(matchEvent(trigger({ kind: "task_event", source: "task_completed", condition: "payload_exit_code" }), completed)).toEqual({ match: false, error: "filter.condition must be a bool, got int" });
  });

  it("matches file changes for a filesystem trigger, with upstream's payload fields", () => {
    const change = fileEventOf("default", "create", "/work/ws/docs/qa/login.md", "2026-01-01T00:05:00.000Z");
    expect(change.payload).toEqual({ event_type: "create", path: "/work/ws/docs/qa/login.md", filename: "login.md", dir: "/work/ws/docs/qa", timestamp: "2026-01-01T00:05:00.000Z" });
    const fs = (condition?: string): TriggerDef => trigger({ kind: "filesystem", paths: ["docs/qa"], events: ["create"], debounceMs: 0, ...(condition ? { condition } : {}) });
    expect(matchEvent(fs(), change)).toEqual({ match: true });
    expect(matchEvent(fs("payload_filename.endsWith('.md')"), change)).toEqual({ match: true });
    expect(matchEvent(fs("payload_filename.endsWith('.txt')"), change)).toEqual({ match: false });
    expect(matchEvent(trigger({ kind: "task_event", source: "task_completed" }), change)).toEqual({ match: false });
  });

  it("never matches a cron trigger", () => {
    expect(matchEvent(trigger({ kind: "cron", schedule: "* * * * *", timezone: "UTC" }), completed)).toEqual({ match: false });
  });
});

describe("conditionVariables", () => {
  it("offers every top-level field as payload_<field>", () => {
    expect(conditionVariables({ a: "x", n: 1 })).toEqual({ payload: { a: "x", n: 1 }, payload_json: '{"a":"x","n":1}', payload_a: "x", payload_n: 1 });
  });
});

describe("defaultGoal", () => {
  it("says which trigger fired, and on what", () => {
    expect(defaultGoal("nightly")).toBe("Triggered by: nightly");
    const change: TriggerEvent = fileEventOf("default", "modify", "/w/docs/a.md", "2026-01-01T00:00:00.000Z");
    expect(defaultGoal("docs", change)).toBe("Triggered by filesystem 'docs': modify a.md");
    expect(defaultGoal("deploy", taskEventOf(stored()))).toMatch(/^Triggered by 'deploy': \{"event_type":"task_completed",/);
  });
});
