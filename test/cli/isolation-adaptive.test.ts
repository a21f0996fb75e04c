/**
 * `item_isolation` (a git worktree per item, the winner brought back by
 * item_select) and `adaptive` planning (a planner agent chooses each
 * cycle's steps, with a fallback), through the built CLI.
 */
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { initializedProject } from "../support/cli.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const git = (dir: string, ...args: string[]): string => execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: dir, encoding: "utf8" }).trim();

const EVOLVE = `  max_parallel: 2
  item_isolation:
    strategy: git_worktree
    branch_prefix: evo-item
    cleanup: CLEANUP
  steps:
    - id: evo_plan
      scope: task
      command: "echo '[{\\"id\\":\\"slow\\",\\"speed\\":1},{\\"id\\":\\"fast\\",\\"speed\\":5}]'"
      behavior:
        post_actions:
          - type: generate_items
            from_var: evo_plan_output
            mapping:
              item_id: "$.id"
              vars:
                speed: "$.speed"
    - id: evo_implement
      scope: item
      command: "echo {qa_file_path} > approach.txt; echo in {workspace_root}"
    - id: evo_benchmark
      scope: item
      command: "cat approach.txt; echo {speed}"
      behavior:
        captures:
          - var: score
            source: stdout
            json_path: "$"
    - id: select_best
      builtin: item_select
      item_select_config:
        strategy: max
        metric_var: speed
    - id: apply
      scope: task
      command: "echo applied $(cat approach.txt)"
`;

describe("item isolation", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  const setup = (cleanup: string): void => {
    p = initializedProject({ ".gitignore": ".orchestrator/\n", "base.txt": "base\n", "m.yaml": [doc("Workspace", "w", '  root_path: "."\n'), doc("Workflow", "evolve", EVOLVE.replace("CLEANUP", cleanup))].join("---\n") });
    git(p.dir, "init", "-q", "-b", "main");
    git(p.dir, "add", "-A");
    git(p.dir, "commit", "-qm", "first");
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
  };

  it("runs each item in its own worktree and fast-forwards the workspace to the winner's changes", () => {
    setup("after_workflow");
    const r = p.run(["run", "--workflow", "evolve"]);
    expect(r.code).toBe(0);
    // Each item wrote approach.txt in its own tree: neither saw the other's.
    expect(r.stdout).toMatch(/in \S+\/item-worktrees\/i-\w+\n/);
    expect(r.stdout).toContain("applied fast");
    expect(readFileSync(join(p.dir, "approach.txt"), "utf8")).toBe("fast\n");
    expect(git(p.dir, "log", "-1", "--format=%s")).toMatch(/^orchestrator: item evo-item\/t-\w+\/i-\w+ \(task t-\w+\)$/);
    // after_workflow: the worktrees and their branches are gone.
    expect(git(p.dir, "worktree", "list").split("\n")).toHaveLength(1);
    expect(git(p.dir, "branch", "--list", "evo-item/*")).toBe("");
    const types = (JSON.parse(p.run(["event", "list", "-o", "json", "--limit", "200"]).stdout).items as Array<{ type: string }>).map((e) => e.type);
    expect(types.filter((t) => t === "item_isolation_prepared")).toHaveLength(2);
    expect(types).toEqual(expect.arrayContaining(["item_isolation_winner_applied", "item_isolation_cleaned"]));
  });

  it("keeps the branches with cleanup: never, and refuses to isolate a workspace with uncommitted changes", () => {
    setup("never");
    expect(p.run(["run", "--workflow", "evolve"]).code).toBe(0);
    expect(git(p.dir, "branch", "--list", "evo-item/*").split("\n")).toHaveLength(2);
    p.write("base.txt", "edited\n");
    const r = p.run(["run", "--workflow", "evolve"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("could not start: item_isolation git_worktree needs a clean workspace");
  });
});

describe("adaptive planning", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  const manifest = (planner: string, fallback: string): string =>
    [
      doc("Workspace", "w", '  root_path: "."\n  qa_targets: [qa]\n'),
      doc("Agent", "planner", `  capabilities: [adaptive_plan]\n  command: ${JSON.stringify(planner)}\n`),
      doc("Agent", "qa-agent", "  capabilities: [qa]\n  command: echo static qa {rel_path}\n"),
      doc("Agent", "fixer", "  capabilities: [fix]\n  command: echo dynamic fix {rel_path}\n"),
      doc("Agent", "reviewer", "  capabilities: [review]\n  command: echo dynamic review\n"),
      doc("Workflow", "adapt", `  steps:\n    - id: qa\n      type: qa\n  adaptive:\n    enabled: true\n    planner_agent: planner\n    fallback_mode: ${fallback}\n  loop:\n    mode: once\n`),
    ].join("---\n");

  const PLAN = `printf '%s' '{"entry":"fix_dynamic","nodes":{"fix_dynamic":{"id":"fix_dynamic","step_type":"fix"},"review_dynamic":{"id":"review_dynamic","step_type":"review"}},"edges":[{"from":"fix_dynamic","to":"review_dynamic","condition":"is_last_cycle"}]}'`;

  it("runs the steps the planner plans, in edge order, instead of the workflow's own", () => {
    p = initializedProject({ "qa/a.md": "a", "m.yaml": manifest(PLAN, "soft_fallback") });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "adapt"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/==> step adaptive_plan \(agent planner\) <==[\s\S]*==> step fix_dynamic \[qa\/a\.md\] \(agent fixer\) <==[\s\S]*==> step review_dynamic \(agent reviewer\) <==/);
    expect(r.stdout).not.toContain("static qa");
    expect(JSON.parse(p.run(["event", "list", "--type", "adaptive_plan_accepted", "-o", "json"]).stdout).items[0].data).toEqual({ cycle: 1, steps: ["fix_dynamic", "review_dynamic"] });
  });

  it("falls back to the workflow's own steps when the plan cannot be read, or fails with fail_closed", () => {
    p = initializedProject({ "qa/a.md": "a", "m.yaml": manifest("printf not-json", "soft_fallback") });
    p.run(["apply", "-f", "m.yaml"]);
    const soft = p.run(["run", "--workflow", "adapt"]);
    expect(soft.code).toBe(0);
    expect(soft.stdout).toContain("static qa qa/a.md");
    expect(JSON.parse(p.run(["event", "list", "--type", "adaptive_plan_fallback", "-o", "json"]).stdout).items[0].message).toBe(
      "cycle 1: the adaptive plan cannot be used: the planner printed no JSON object with nodes; the workflow's own steps run",
    );
    p.write("m.yaml", manifest("printf not-json", "fail_closed"));
    p.run(["apply", "-f", "m.yaml"]);
    const closed = p.run(["run", "--workflow", "adapt"]);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain("the adaptive plan cannot be used: the planner printed no JSON object with nodes (adaptive.fallback_mode: fail_closed)");
    expect(closed.stdout).not.toContain("static qa");
  });

  it("is checked: enabled needs a planner_agent, and check wants one with adaptive_plan", () => {
    p = initializedProject({ "m.yaml": doc("Workflow", "x", "  steps:\n    - id: a\n      command: a\n  adaptive:\n    enabled: true\n") });
    expect(p.run(["apply", "-f", "m.yaml"]).stderr).toContain("spec.adaptive.planner_agent: adaptive planning is enabled but names no planner_agent");
    p.write("m.yaml", [doc("Agent", "planner", "  capabilities: [plan]\n  command: echo\n"), doc("Workflow", "x", "  steps:\n    - id: a\n      command: a\n  adaptive:\n    enabled: true\n    planner_agent: planner\n")].join("---\n"));
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    expect(p.run(["check"]).stdout + p.run(["check"]).stderr).toContain("planner agent 'planner' lacks the capability adaptive_plan");
    expect(existsSync(join(p.dir, "nothing"))).toBe(false);
  });
});
