import { afterEach, describe, expect, it } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { initializedProject, REPO_ROOT } from "../support/cli.js";
import { startController, stopAndRemove, tail, taskPhases, until, type RunningController } from "../support/controller.js";

const BASIC = join(REPO_ROOT, "test/fixtures/manifests/basic");

/** A workflow whose one step fails and writes a ticket into the workspace's tickets/. */
const TICKETING = `apiVersion: orchestrator.dev/v2
kind: Workspace
metadata:
  name: ws
spec:
  root_path: "."
  ticket_dir: tickets
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: wf
spec:
  steps:
    - id: check
      command: echo checking; exit 1
      behavior:
        post_actions:
          - type: create_ticket
`;

describe("orchestrator describe", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("shows spec, metadata, generation, who applied it and recent events", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC]);
    const r = p.run(["describe", "agent/coder"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Name:\s+coder/);
    expect(r.stdout).toMatch(/Labels:\s+team=core/);
    expect(r.stdout).toMatch(/Generation:\s+1/);
    expect(r.stdout).toMatch(/Applied by:\s+cli \(.*agents\.yaml:1\)/);
    expect(r.stdout).toMatch(/Spec:\n\s+capabilities:/);
    expect(r.stdout).toMatch(/Events:\n.*\n.*resource_created/);
  });

  it("never shows secret values", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC]);
    const r = p.run(["describe", "secretstore/api-keys"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("API_TOKEN: <redacted>");
    expect(r.stdout).not.toContain("s3cr3t-marker-7f1c9a");
  });
});

describe("orchestrator delete", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("refuses without --force when there is no terminal, and deletes nothing", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC]);
    const r = p.run(["delete", "agent/coder"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--force/);
    expect(p.run(["get", "agent", "coder", "-o", "name"]).stdout).toBe("agent/coder\n");
  });

  it("--dry-run deletes nothing; --force deletes several at once", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC]);
    expect(p.run(["delete", "agent/coder", "agent/planner", "--dry-run"]).stdout).toBe("agent/coder deleted (dry run)\nagent/planner deleted (dry run)\n");
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toContain("agent/coder");
    const r = p.run(["delete", "agent/coder", "ag/planner", "--force"]);
    expect(r.stdout).toBe("agent/coder deleted\nagent/planner deleted\n");
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("agent/reviewer\n");
  });

  it("fails whole when one target does not exist", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC]);
    const r = p.run(["delete", "agent/coder", "agent/ghost", "--force"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/agent\/ghost not found/);
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toContain("agent/coder");
  });

  it("delete project/P --force removes the project and everything in it", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC, "--project", "team-a"]);
    p.run(["apply", "-f", BASIC]);
    const r = p.run(["delete", "project/team-a", "--force"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^project\/team-a deleted: \d+ resources, 0 tasks, 0 runs, 0 logs, 0 tickets removed\n$/);
    expect(p.run(["get", "agents", "--project", "team-a", "-o", "name"]).stdout).toBe("");
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toContain("agent/coder");
  });

  it("delete project/P --force also removes its tasks, their runs and logs and the tickets they wrote, and says how many", () => {
    p = initializedProject({ "m.yaml": TICKETING, "tickets/by-hand.md": "---\nstatus: open\n---\nwritten by a person\n" });
    for (const project of ["doomed", "kept"]) expect(p.run(["apply", "-f", "m.yaml", "--project", project]).code).toBe(0);
    const ids: Record<string, string> = {};
    for (const project of ["doomed", "kept"]) {
      const r = p.run(["run", "--workflow", "wf", "--project", project, "-o", "json"]);
      expect(r.code, r.stderr).toBe(1);
      ids[project] = (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { id: string }).id;
    }
    const ticketsOf = (id: string): string[] => readdirSync(join(p.dir, "tickets")).filter((f) => f.startsWith(id));
    const logs = (id: string): string => join(p.dir, ".orchestrator/logs", id);
    expect(ticketsOf(ids["doomed"]!)).toHaveLength(1);
    expect(existsSync(logs(ids["doomed"]!))).toBe(true);

    const dry = p.run(["delete", "project/doomed", "--dry-run"]);
    expect(dry.stdout).toBe("project/doomed deleted (dry run): with 1 task, 1 run, 1 log, 1 ticket\n");
    expect(ticketsOf(ids["doomed"]!)).toHaveLength(1);

    const r = p.run(["delete", "project/doomed", "--force"]);
    expect(r.code, r.stderr).toBe(0);
    // The workspace, the workflow and the Run resource `run` made.
    expect(r.stdout).toBe("project/doomed deleted: 3 resources, 1 task, 1 run, 1 log, 1 ticket removed\n");
    expect(ticketsOf(ids["doomed"]!)).toEqual([]);
    expect(existsSync(logs(ids["doomed"]!))).toBe(false);
    expect(existsSync(join(p.dir, ".orchestrator/status/doomed"))).toBe(false);
    const tasks = JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items as { id: string }[];
    expect(tasks.map((t) => t.id)).toEqual([ids["kept"]]);
    // Another project's work, and a ticket no task wrote, stay.
    expect(ticketsOf(ids["kept"]!)).toHaveLength(1);
    expect(existsSync(logs(ids["kept"]!))).toBe(true);
    expect(existsSync(join(p.dir, "tickets/by-hand.md"))).toBe(true);
  });
});

describe("orchestrator delete project/P with a running task", () => {
  let p: ReturnType<typeof initializedProject> | undefined;
  let controller: RunningController | undefined;
  afterEach(async () => {
    p?.write("release", "");
    await stopAndRemove(controller, p);
    controller = p = undefined;
  });

  it("refuses, names the task and deletes nothing", async () => {
    p = initializedProject({ "m.yaml": TICKETING.replace("echo checking; exit 1", "'while [ ! -f release ]; do sleep 0.1; done'") });
    expect(p.run(["apply", "-f", "m.yaml", "--project", "busy"]).code).toBe(0);
    const id = p.run(["task", "create", "--project", "busy", "--no-daemon"]).stdout.trim();
    controller = await startController(p.dir);
    await until("the task to run", () => (JSON.parse(p!.run(["task", "list", "-o", "json"]).stdout).items as { id: string; phase: string }[]).some((t) => t.id === id && t.phase === "Running"), undefined, undefined, () => `tasks: ${taskPhases(p!)}; controller log: ${tail(controller!.log())}`);
    const r = p.run(["delete", "project/busy", "--force"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`project/busy: task ${id}`);
    expect(r.stderr).toContain(`orchestrator task pause ${id}`);
    expect(r.stderr).toMatch(/nothing was deleted/);
    expect(p.run(["get", "workflows", "--project", "busy", "-o", "name"]).stdout).toBe("workflow/wf\n");
  });
});
