/**
 * The "lightweight step run" walkthrough, command by command, against the
 * bundled manifests and a controller started as the walkthrough starts it
 * (`orchestratord --foreground --workers 2`): step filters with `--step` and
 * `--set`, `run` following a task to its end or `--detach`ed, and direct
 * assembly of one StepTemplate with an agent capability (and a profile).
 *
 * The bundled plan-execute workflow has the steps plan, implement and verify,
 * as the walkthrough's own error text lists them; its `--step fix` example is
 * therefore answered with that error, and the fix is run by direct assembly.
 */
import { cpSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initializedProject, REPO_ROOT } from "../support/cli.js";
import { startControllerCommand, stopAndRemove, tail, taskPhases, until, type RunningController } from "../support/controller.js";

type Project = ReturnType<typeof initializedProject>;

interface TaskRow {
  id: string;
  name: string;
  project: string;
  phase: string;
}

const TICKET = "docs/ticket/T-0042.md";
const UNKNOWN_STEP = (id: string): string => `error: unknown step id '${id}' in --step filter; available steps: plan, implement, verify\n`;

describe("the lightweight step run walkthrough, as written", { timeout: 120_000 }, () => {
  let p: Project;
  let controller: RunningController;
  const tasks = (): TaskRow[] => JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items as TaskRow[];
  const phaseOf = (id: string): string | undefined => tasks().find((t) => t.id === id)?.phase;
  const completed = (id: string): Promise<void> =>
    until(`task ${id} to complete`, () => phaseOf(id) === "Completed", 60_000, () => {
      const phase = phaseOf(id);
      return (phase === "Failed" || phase === "Cancelled") && `task ${id} is ${phase}:\n${p.run(["task", "logs", id]).stdout}`;
    }, () => `tasks: ${taskPhases(p)}; controller log: ${tail(controller.log())}`);
  const created = (r: { code: number; stdout: string; stderr: string }): string => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^t-[a-z0-9]+\n$/);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    p = initializedProject({ [TICKET]: "---\nstatus: open\n---\nLogging in from two tabs at once loses one session.\n" });
    // A repository that keeps its manifests in manifests/: the controller follows that folder (into project default).
    cpSync(join(REPO_ROOT, "manifests"), join(p.dir, "manifests"), { recursive: true });
    controller = await startControllerCommand(p.dir, ["orchestratord", "--foreground", "--workers", "2"], { PATH: `${join(REPO_ROOT, "bin")}:${process.env["PATH"] ?? ""}` });
    expect(controller.log()).toMatch(/controller started \(pid \d+, 2 worker\(s\)/);
  });
  afterAll(() => stopAndRemove(controller, p));

  it("1. deploys the multi-step workflow's resources into project demo and lists them", () => {
    const applied = p.run(["apply", "-f", "manifests/", "--project", "demo"]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toBe("");
    for (const line of ["workflow/plan-execute created", "steptemplate/fix-ticket created", "agent/fixer created", "executionprofile/host-unrestricted created"]) {
      expect(applied.stdout).toContain(`${line}\n`);
    }
    const files = readdirSync(join(REPO_ROOT, "manifests")).filter((f) => f.endsWith(".yaml"));
    expect(files).toEqual(expect.arrayContaining(["agents.yaml", "templates.yaml", "profiles.yaml", "plan-execute.yaml"]));

    const workflows = p.run(["get", "workflows", "--project", "demo"]);
    expect(workflows.code).toBe(0);
    expect(workflows.stdout).toMatch(/^plan-execute\s+3\s+once/m);
    const agents = p.run(["get", "agents", "--project", "demo"]);
    expect(agents.stdout).toMatch(/^fixer\s+fix\s/m);
    expect(agents.stdout).toMatch(/^builder\s+implement,verify\s/m);
  });

  it("2. filters steps with --step, in workflow order; --step fix and an unknown step are refused with the steps plan-execute has", async () => {
    const implementOnly = created(p.run(["task", "create", "--workflow", "plan-execute", "--project", "demo", "--step", "implement"]));

    // plan-execute has no fix step: the walkthrough's own error text lists plan, implement, verify.
    const fix = p.run(["task", "create", "--workflow", "plan-execute", "--project", "demo", "--step", "fix", "--set", `ticket_paths=${TICKET}`]);
    expect(fix.code).toBe(1);
    expect(fix.stderr).toBe(UNKNOWN_STEP("fix"));

    const planThenImplement = created(p.run(["task", "create", "--workflow", "plan-execute", "--project", "demo", "--step", "plan", "--step", "implement"]));
    await completed(implementOnly);
    await completed(planThenImplement);

    const list = p.run(["task", "list", "--project", "demo"]);
    expect(list.code).toBe(0);
    for (const id of [implementOnly, planThenImplement]) expect(list.stdout).toMatch(new RegExp(`^${id}\\s+\\S+\\s+plan-execute\\s+Completed`, "m"));

    const one = p.run(["task", "logs", implementOnly]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain("==> step implement");
    expect(one.stdout).toContain("builder received: Implement the plan for:");
    expect(one.stdout).not.toMatch(/step plan|step verify/);
    const two = p.run(["task", "logs", planThenImplement]).stdout;
    expect(two.indexOf("==> step plan")).toBeGreaterThanOrEqual(0);
    expect(two.indexOf("==> step implement")).toBeGreaterThan(two.indexOf("==> step plan"));
    expect(two).not.toContain("step verify");

    // As printed, with no --project: the controller has applied manifests/ into project default.
    await until("the controller to apply manifests/", () => p.run(["get", "workflow", "plan-execute", "-o", "name"]).code === 0, 60_000, undefined, () => `get workflow: ${JSON.stringify(p.run(["get", "workflow", "plan-execute", "-o", "name"]))}; controller log: ${tail(controller.log())}`);
    const unknown = p.run(["task", "create", "--workflow", "plan-execute", "--step", "nonexistent"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(UNKNOWN_STEP("nonexistent"));
    expect(p.run(["task", "create", "--workflow", "plan-execute", "--project", "demo", "--step", "nonexistent"]).stderr).toBe(UNKNOWN_STEP("nonexistent"));
  });

  it("3. run follows the task to its end (exit 0), or --detach prints its id and returns", async () => {
    const r = p.run(["run", "--workflow", "plan-execute", "--project", "demo", "--step", "implement", "--set", "goal=修复登录模块的并发问题"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/queued on the running controller/);
    expect(r.stderr).toMatch(/==> step implement \(agent builder\) <==/);
    expect(r.stderr).toMatch(/completed/);
    // --set goal=... is the task's goal: {goal} in the implement template.
    expect(r.stdout).toContain("builder received: Implement the plan for: 修复登录模块的并发问题.");
    expect(r.stdout).not.toContain("planner received");

    const detached = created(p.run(["run", "--workflow", "plan-execute", "--project", "demo", "--step", "implement", "--detach"]));
    await completed(detached);
    expect(p.run(["task", "logs", detached]).stdout).toContain("builder received: Implement the plan for:");
  });

  it("4. assembles one StepTemplate with an agent of a capability, with or without an execution profile", () => {
    for (const profile of [[], ["--profile", "host-unrestricted"]]) {
      const r = p.run(["run", "--template", "fix-ticket", "--agent-capability", "fix", ...profile, "--project", "demo", "--set", `ticket_paths=${TICKET}`]);
      expect(r.code, `${profile.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toMatch(/==> step fix-ticket \(agent fixer\) <==/);
      expect(r.stdout).toContain(`fixer received: Fix the problem described in the ticket at ${TICKET}, then say what you changed.`);
      expect(r.stdout).toContain(`The source tree is at: ${p.dir}`);
    }
    // The customisation section's example, with no --project.
    const plain = p.run(["run", "--template", "fix-ticket", "--agent-capability", "fix", "--set", `ticket_paths=${TICKET}`]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain(`fixer received: Fix the problem described in the ticket at ${TICKET}`);

    // Every run leaves a RunResult record, listed by `event list`.
    const results = JSON.parse(p.run(["event", "list", "--type", "run_result", "--limit", "200", "-o", "json"]).stdout).items as { data: { step?: string; status?: string } | null }[];
    const fixes = results.filter((e) => e.data?.step === "fix-ticket");
    expect(fixes).toHaveLength(3);
    expect(fixes.every((e) => e.data?.status === "succeeded")).toBe(true);
  });
});
