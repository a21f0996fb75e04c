/**
 * `--set` and a Task's `spec.vars` through the built CLI: a name given there
 * wins over the built-in of the same name in prompts, commands and prehook
 * CEL, and `--set goal=X` is the goal. The seed page's own commands.
 */
import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { initializedProject, REPO_ROOT } from "../support/cli.js";
import { Controllers, info, waitForPhase } from "./task-support.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

/** A fix-ticket template run by an echo agent with the `fix` capability, and a workflow of command steps. */
const MANIFEST = [
  doc("Workspace", "w", `  root_path: "."\n  qa_targets: []\n  ticket_dir: docs/ticket\n`),
  doc(
    "StepTemplate",
    "fix-ticket",
    `  prompt: |
    Fix the issue described in the ticket.
    Ticket path: {ticket_paths}
    Project goal: {goal}
    Source root: {source_tree}
`,
  ),
  doc("Agent", "fixer", `  capabilities: [fix]\n  command: >-\n    printf 'fixer got: %s\\n' "{prompt}"\n`),
  doc(
    "Workflow",
    "tickets",
    `  steps:
    - id: show
      scope: task
      command: echo "command sees ticket_paths={ticket_paths} qa_file_path={qa_file_path}"
    - id: gated
      scope: task
      command: echo gated step ran
      prehook:
        engine: cel
        when: "ticket_paths == 'docs/ticket/T-0042.md' && qa_file_path == 'forced.md'"
        reason: the --set values did not reach the prehook
`,
  ),
].join("---\n");

describe("--set and spec.vars win over built-ins", { timeout: 90_000 }, () => {
  let p: ReturnType<typeof initializedProject>;
  const controllers = new Controllers();
  afterEach(async () => {
    await controllers.stopAll();
    p?.cleanup();
  });

  it("runs the seed page's step-filter command: --set goal=... renders {goal}", () => {
    p = initializedProject();
    expect(p.run(["apply", "-f", join(REPO_ROOT, "manifests")]).code).toBe(0);
    const r = p.run(["run", "--workflow", "plan-execute", "--step", "implement", "--set", "goal=Fix concurrency issue in login module"]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Implement the plan for: Fix concurrency issue in login module.");
    const id = p.run(["task", "list", "-o", "name"]).stdout.trim().replace(/^task\//, "");
    const shown = p.run(["task", "info", id]).stdout;
    expect(shown).toMatch(/^Goal: +Fix concurrency issue in login module$/m);
    expect(info(p, id).task).toMatchObject({ phase: "Completed" });
  });

  it("treats --goal and --set goal as one goal: the same value is fine, two different ones are a usage error that creates nothing", () => {
    p = initializedProject();
    expect(p.run(["apply", "-f", join(REPO_ROOT, "manifests")]).code).toBe(0);
    const clash = p.run(["run", "--workflow", "plan-execute", "--step", "implement", "--goal", "one thing", "--set", "goal=another"]);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('--goal "one thing" and --set goal="another" disagree');
    expect(p.run(["task", "create", "--workflow", "plan-execute", "--no-start", "--goal", "a", "--set", "goal=b"]).code).toBe(2);
    expect(p.run(["get", "runs", "-o", "name"]).stdout).toBe("");
    const same = p.run(["run", "--workflow", "plan-execute", "--step", "implement", "--goal", "same", "--set", "goal=same"]);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("Implement the plan for: same.");
  });

  it("runs the seed page's direct assembly: --set ticket_paths=... renders {ticket_paths}", () => {
    p = initializedProject({ "m.yaml": MANIFEST });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--template", "fix-ticket", "--agent-capability", "fix", "--set", "ticket_paths=docs/ticket/T-0042.md", "--goal", "fix the login race"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("fixer got: Fix the issue described in the ticket.\nTicket path: docs/ticket/T-0042.md\nProject goal: fix the login race\n");
    expect(r.stdout).toContain(`Source root: ${p.dir}`);
  });

  it("gives the --set value of a built-in's name to commands, prehook CEL and task info alike", () => {
    p = initializedProject({ "m.yaml": MANIFEST });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "tickets", "--set", "ticket_paths=docs/ticket/T-0042.md", "--set", "qa_file_path=forced.md"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("command sees ticket_paths=docs/ticket/T-0042.md qa_file_path=forced.md\n");
    expect(r.stdout).toContain("gated step ran\n");
    const id = p.run(["task", "list", "-o", "name"]).stdout.trim().replace(/^task\//, "");
    expect(p.run(["task", "info", id]).stdout).toMatch(/^Vars: +ticket_paths=docs\/ticket\/T-0042\.md, qa_file_path=forced\.md$/m);
    // Without them the built-ins hold (empty for a task step), and the prehook says so by skipping.
    const plain = p.run(["run", "--workflow", "tickets"]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("command sees ticket_paths= qa_file_path=\n");
    expect(plain.stderr).toContain("skipped: the --set values did not reach the prehook");
  });

  it("takes a Run's spec.vars as its own variables and spec.vars.goal as its goal, run by the controller", async () => {
    p = initializedProject({
      "m.yaml": MANIFEST,
      "run.yaml": doc("Run", "declared", `  workflow: tickets\n  vars:\n    goal: from the manifest\n    ticket_paths: docs/ticket/T-0042.md\n    qa_file_path: forced.md\n`),
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    expect(p.run(["apply", "-f", "run.yaml", "--no-daemon"]).code).toBe(0);
    controllers.start(p);
    const id = p.run(["task", "list", "-o", "name"]).stdout.trim().replace(/^task\//, "");
    const done = await waitForPhase(p, id, ["Completed", "Failed"], 60_000);
    expect(done.task.phase).toBe("Completed");
    const logs = p.run(["task", "logs", id]).stdout;
    expect(logs).toContain("command sees ticket_paths=docs/ticket/T-0042.md qa_file_path=forced.md");
    expect(logs).toContain("gated step ran");
    expect(p.run(["task", "info", id]).stdout).toMatch(/^Goal: +from the manifest$/m);
  });
});
