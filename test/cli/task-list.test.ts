import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Controllers, createTask, taskProject, waitForPhase, type Project } from "./task-support.js";

describe("orchestrator task list", { timeout: 120_000 }, () => {
  let p: Project;
  const controllers = new Controllers();
  let done: string;
  let waiting: string;
  let other: string;

  beforeAll(async () => {
    p = taskProject();
    expect(p.run(["apply", "-f", "m.yaml", "--project", "other"]).code).toBe(0);
    done = createTask(p, "basic", "done-task");
    waiting = createTask(p, "basic", "waiting-task");
    other = createTask(p, "basic", "other-task", ["--project", "other"]);
    expect(p.run(["task", "start", done]).code).toBe(0);
    controllers.start(p);
    await waitForPhase(p, done, ["Completed"]);
    await controllers.stopAll();
  }, 120_000);
  afterAll(async () => {
    await controllers.stopAll();
    p?.cleanup();
  });

  it("lists every project's tasks, oldest first, with PROJECT first, then ID, NAME, WORKFLOW, PHASE, CYCLE and AGE", () => {
    const r = p.run(["task", "list"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]!.split(/\s{2,}/)).toEqual(["PROJECT", "ID", "NAME", "WORKFLOW", "PHASE", "CYCLE", "AGE"]);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 6))).toEqual([
      ["default", done, "done-task", "basic", "Completed", "1"],
      ["default", waiting, "waiting-task", "basic", "Pending", "0"],
      ["other", other, "other-task", "basic", "Pending", "0"],
    ]);
  });

  it("with --project lists that project's tasks without the PROJECT column", () => {
    const lines = p.run(["task", "list", "--project", "other"]).stdout.trimEnd().split("\n");
    expect(lines[0]!.split(/\s{2,}/)).toEqual(["ID", "NAME", "WORKFLOW", "PHASE", "CYCLE", "AGE"]);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([other]);
  });

  it("-o name prints task/ID per task, which every task command takes", () => {
    const r = p.run(["task", "list", "-o", "name"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`task/${done}\ntask/${waiting}\ntask/${other}\n`);
    expect(p.run(["task", "list", "-o", "name", "--status", "completed"]).stdout).toBe(`task/${done}\n`);
    const none = p.run(["task", "list", "-o", "name", "--status", "failed"]);
    expect(none).toMatchObject({ code: 0, stdout: "" });
    expect(none.stderr).toContain("no tasks found with status failed");
    const j = JSON.parse(p.run(["task", "info", `task/${done}`, "-o", "json"]).stdout) as { task: { id: string } };
    expect(j.task.id).toBe(done);
    expect(p.run(["event", "list", "--task", `task/${done}`]).code).toBe(0);
  });

  it("filters by phase in any case, and by project", () => {
    const ids = (args: string[]): string[] => (JSON.parse(p.run(["task", "list", "-o", "json", ...args]).stdout).items as Array<{ id: string }>).map((t) => t.id);
    expect(ids(["--status", "COMPLETED"])).toEqual([done]);
    expect(ids(["--status", "pending"])).toEqual([waiting, other]);
    expect(ids(["--status", "pending", "--project", "other"])).toEqual([other]);
    expect(ids(["--project", "default"])).toEqual([done, waiting]);
    expect(ids(["--status", "running"])).toEqual([]);
  });

  it("says so on stderr when nothing matches", () => {
    const r = p.run(["task", "list", "--status", "failed"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("no tasks found with status failed");
  });

  it("rejects an unknown status with the phases to choose from (exit 2)", () => {
    const r = p.run(["task", "list", "--status", "finished"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown status 'finished'; use one of: pending, running, paused, completed, failed, cancelled");
  });

  it("-o wide adds project, resource, start and finish times and the message", () => {
    const r = p.run(["task", "list", "-o", "wide", "--status", "completed", "--project", "default"]);
    const [header, row] = r.stdout.trimEnd().split("\n");
    expect(header!.split(/\s{2,}/)).toEqual(["ID", "NAME", "WORKFLOW", "PHASE", "CYCLE", "AGE", "PROJECT", "RESOURCE", "STARTED", "FINISHED", "MESSAGE"]);
    expect(row).toMatch(/ default +task\/done-task-[a-z0-9]+ +\d{4}-\d\d-\d\dT\S+Z +\d{4}-\d\d-\d\dT\S+Z +completed after 1 cycle\(s\)$/);
    // Across projects PROJECT comes first, once.
    const all = p.run(["task", "list", "-o", "wide", "--status", "completed"]).stdout.split("\n")[0]!;
    expect(all.split(/\s{2,}/)).toEqual(["PROJECT", "ID", "NAME", "WORKFLOW", "PHASE", "CYCLE", "AGE", "RESOURCE", "STARTED", "FINISHED", "MESSAGE"]);
  });

  it("-o json and -o yaml print the same task views", () => {
    const json = JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items as Array<Record<string, unknown>>;
    const yaml = parse(p.run(["task", "list", "-o", "yaml"]).stdout).items as Array<Record<string, unknown>>;
    expect(yaml).toEqual(json);
    expect(JSON.parse(p.run(["task", "list", "-o", "json"]).stdout)).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "List" });
    expect(json[0]).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "TaskRecord" });
    expect(json[0]).toMatchObject({ id: done, name: "done-task", project: "default", workflow: "basic", phase: "Completed", cycle: 1, exitCode: 0, queued: false });
    expect(json[0]!["resource"]).toMatchObject({ kind: "Task" });
    expect(json[0]).not.toHaveProperty("state");
  });
});
