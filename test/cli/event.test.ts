import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Controllers, createTask, info, taskProject, waitForPhase, type Project } from "./task-support.js";

interface EventJson {
  id: number;
  ts: string;
  type: string;
  taskId: string | null;
  runId: string | null;
  message: string;
  data: Record<string, unknown> | null;
}

describe("orchestrator event list", { timeout: 120_000 }, () => {
  let p: Project;
  const controllers = new Controllers();
  let first: string;
  let second: string;
  const events = (args: string[]): EventJson[] => (JSON.parse(p.run(["event", "list", "-o", "json", ...args]).stdout) as { items: EventJson[] }).items;

  beforeAll(async () => {
    p = taskProject();
    first = createTask(p, "basic", "first");
    second = createTask(p, "traced", "second");
    p.run(["task", "start", first]);
    p.run(["task", "start", second]);
    controllers.start(p);
    await waitForPhase(p, first, ["Completed"]);
    await waitForPhase(p, second, ["Failed"]);
    await controllers.stopAll();
  }, 120_000);
  afterAll(async () => {
    await controllers.stopAll();
    p?.cleanup();
  });

  it("records one run_result per step execution, matching the runs", () => {
    for (const id of [first, second]) {
      const results = events(["--task", id, "--type", "run_result"]);
      const runs = info(p, id).runs;
      expect(results.map((e) => e.runId)).toEqual(runs.map((r) => r.id));
      expect(results.map((e) => [e.data?.["step"], e.data?.["status"], e.data?.["exitCode"]])).toEqual(runs.map((r) => [r.step, r.status, r.exitCode]));
    }
  });

  it("shows a task's lifecycle in order: created, queued, started, cycles and steps, completed", () => {
    const types = events(["--task", "first"]).map((e) => e.type);
    expect(types[0]).toBe("task_created");
    expect(types.slice(1, 4)).toEqual(["task_queued", "task_started", "cycle_started"]);
    expect(types.filter((t) => t === "step_started")).toHaveLength(3);
    expect(types.at(-1)).toBe("task_completed");
    expect(events(["--task", first]).every((e) => e.taskId === first)).toBe(true);
  });

  it("--limit keeps the newest N, newest last; the default is 50", () => {
    // Resource changes are events too: enough of them to pass the default limit.
    for (const project of ["p1", "p2", "p3"]) expect(p.run(["apply", "-f", "m.yaml", "--project", project]).code).toBe(0);
    const all = events(["--limit", "1000"]);
    expect(all.length).toBeGreaterThan(50);
    expect(events([]).map((e) => e.id)).toEqual(all.slice(-50).map((e) => e.id));
    const three = events(["--limit", "3"]);
    expect(three.map((e) => e.id)).toEqual(all.slice(-3).map((e) => e.id));
    expect(three[0]!.id < three[2]!.id).toBe(true);
  });

  it("prints a table of id, time, type, task and message", () => {
    const r = p.run(["event", "list", "--task", second, "--type", "run_result"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]!.split(/\s{2,}/)).toEqual(["ID", "TIME", "TYPE", "TASK", "MESSAGE"]);
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(new RegExp(`^\\d+ +\\S+Z +run_result +${second} +step bad of task second \\(${second}\\) failed \\(exit 3, \\d+ ms\\)$`));
  });

  it("says so when nothing matches, and rejects a bad --limit (exit 2)", () => {
    const none = p.run(["event", "list", "--type", "task_recovered"]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("");
    expect(none.stderr).toContain("no events found of type task_recovered");
    const bad = p.run(["event", "list", "--limit", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--limit must be a positive whole number, got '0'");
  });

  it("rejects an unknown --type as a usage error listing the known types (exit 2)", () => {
    const r = p.run(["event", "list", "--type", "bogus"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: unknown event type 'bogus'; use one of: task_created, task_queued, .*run_result.*resource_created.*\n$/);
    // Any case is accepted, as for task list --status.
    expect(events(["--type", "RUN_RESULT", "--task", first]).every((e) => e.type === "run_result")).toBe(true);
  });

  it("rejects an unknown --task like every task command does (exit 1), naming it", () => {
    const r = p.run(["event", "list", "--task", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('error: no task matches "nope" by id, id prefix or name, and no events name a task with that id');
  });

  it("keeps a deleted task's history, found by its full id", () => {
    const before = events(["--task", second, "--limit", "1000"]);
    expect(p.run(["task", "delete", second, "--force"]).code).toBe(0);
    const after = events(["--task", second, "--limit", "1000"]);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.at(-1)!.type).toBe("task_deleted");
  });
});
