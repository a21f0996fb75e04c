import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Controllers, createTask, info, taskProject, waitForPhase, type Project } from "./task-support.js";

describe("orchestrator task info", { timeout: 60_000 }, () => {
  let p: Project;
  const controllers = new Controllers();
  let id: string;
  let second: string;

  beforeAll(async () => {
    p = taskProject();
    id = createTask(p, "basic", "inspect-me", ["--goal", "look closely"]);
    second = createTask(p, "basic", "second");
    p.run(["task", "start", id]);
    controllers.start(p);
    await waitForPhase(p, id, ["Completed"]);
    await controllers.stopAll();
  }, 90_000);
  afterAll(async () => {
    await controllers.stopAll();
    p?.cleanup();
  });

  it("-o json gives the task, its items, the latest run per step and every run", () => {
    const j = info(p, id);
    expect(j.task).toMatchObject({ id, name: "inspect-me", phase: "Completed", cycle: 1 });
    expect(j.items.map((i) => [i.path, i.status])).toEqual([
      ["docs/qa/a.md", "qa_passed"],
      ["docs/qa/b.md", "qa_passed"],
    ]);
    expect(j.steps.map((s) => [s.step, s.item, s.status, s.exitCode])).toEqual([
      ["plan", null, "succeeded", 0],
      ["check", "docs/qa/a.md", "succeeded", 0],
      ["check", "docs/qa/b.md", "succeeded", 0],
    ]);
    expect(j.runs).toHaveLength(3);
    expect(j.runs.every((r) => r.logPath?.includes(`/.orchestrator/logs/${id}/`))).toBe(true);
  });

  it("prints status, items, steps and runs as text", () => {
    const r = p.run(["task", "info", id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name: +inspect-me$/m);
    expect(r.stdout).toMatch(/^Phase: +Completed$/m);
    expect(r.stdout).toMatch(/^Goal: +look closely$/m);
    expect(r.stdout).toMatch(/Items \(2\):\n +ID +PATH +STATUS +FAILURES\n +i-\S+ +docs\/qa\/a\.md +qa_passed +0\n/);
    expect(r.stdout).toMatch(/Steps \(3\):\n +STEP +ITEM +STATUS/);
    expect(r.stdout).toMatch(/^ +check +docs\/qa\/b\.md +succeeded +1 +0 /m);
    expect(r.stdout).toMatch(/Runs \(3\):/);
  });

  it("-o yaml matches -o json", () => {
    expect(parse(p.run(["task", "info", id, "-o", "yaml"]).stdout)).toEqual(info(p, id));
  });

  it("finds a task by exact name and by a unique id prefix", () => {
    expect(info(p, "second").task.id).toBe(second);
    // Ids start with the creation time; the full id minus its last character is unique here.
    expect(info(p, second.slice(0, -1)).task.id).toBe(second);
  });

  it("lists the matches of an ambiguous prefix", () => {
    const r = p.run(["task", "info", "t-"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('task reference "t-" is ambiguous');
    expect(r.stderr).toContain(`${id} (default/inspect-me)`);
    expect(r.stderr).toContain(`${second} (default/second)`);
  });

  it("says how to list tasks when nothing matches", () => {
    const r = p.run(["task", "info", "no-such-task"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: no task matches "no-such-task" by id, id prefix or name; list tasks with `orchestrator task list`\n');
  });

  it("looks only in the project given", () => {
    const r = p.run(["task", "info", "second", "--project", "elsewhere"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("(in project 'elsewhere')");
  });
});
