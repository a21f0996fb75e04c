import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Controllers, createTask, taskProject, waitForPhase, type Project } from "./task-support.js";

describe("orchestrator task list", { timeout: 60_000 }, () => {
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
  }, 90_000);
  afterAll(async () => {
    await controllers.stopAll();
    p?.cleanup();
  });

  it("shows ID, NAME, WORKFLOW, PHASE, CYCLE and AGE, oldest first", () => {
    const r = p.run(["task", "list"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]!.split(/\s{2,}/)).toEqual(["ID", "NAME", "WORKFLOW", "PHASE", "CYCLE", "AGE"]);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 5))).toEqual([
      [done, "done-task", "basic", "Completed", "1"],
      [waiting, "waiting-task", "basic", "Pending", "0"],
      [other, "other-task", "basic", "Pending", "0"],
    ]);
  });

  it("filters by phase in any case, and by project", () => {
    const ids = (args: string[]): string[] => (JSON.parse(p.run(["task", "list", "-o", "json", ...args]).stdout) as Array<{ id: string }>).map((t) => t.id);
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
    const r = p.run(["task", "list", "-o", "wide", "--status", "completed"]);
    const [header, row] = r.stdout.trimEnd().split("\n");
    expect(header!.split(/\s{2,}/)).toEqual(["ID", "NAME", "WORKFLOW", "PHASE", "CYCLE", "AGE", "PROJECT", "RESOURCE", "STARTED", "FINISHED", "MESSAGE"]);
    expect(row).toMatch(/ default +task\/done-task-[a-z0-9]+ +\d{4}-\d\d-\d\dT\S+Z +\d{4}-\d\d-\d\dT\S+Z +completed after 1 cycle\(s\)$/);
  });

  it("-o json and -o yaml print the same task views", () => {
    const json = JSON.parse(p.run(["task", "list", "-o", "json"]).stdout) as Array<Record<string, unknown>>;
    const yaml = parse(p.run(["task", "list", "-o", "yaml"]).stdout) as Array<Record<string, unknown>>;
    expect(yaml).toEqual(json);
    expect(json[0]).toMatchObject({ id: done, name: "done-task", project: "default", workflow: "basic", phase: "Completed", cycle: 1, exitCode: 0, queued: false });
    expect(json[0]!["resource"]).toMatchObject({ kind: "Task" });
    expect(json[0]).not.toHaveProperty("state");
  });
});
