/**
 * Workflow safety settings through the built CLI: the per-item circuit
 * breaker, the rapid-cycle guard, staggered parallel starts and the
 * self_referential_probe safety profile.
 */
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";
import { info, type Project } from "./task-support.js";

const doc = (kind: string, name: string, spec: string): string => `---\napiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const WORKSPACE = doc("Workspace", "w", `  root_path: "."\n  qa_targets: [docs/qa]\n`);
const ITEMS = { "docs/qa/a.md": "a\n", "docs/qa/b.md": "b\n", "docs/qa/c.md": "c\n" };

function lastId(stdout: string): string {
  return (JSON.parse(stdout.trim().split("\n").at(-1)!) as { id: string }).id;
}

describe("Workflow safety", () => {
  let p: Project;
  afterEach(() => p?.cleanup());
  const setup = (manifest: string, files: Record<string, string> = ITEMS): void => {
    p = initializedProject({ ...files, "m.yaml": manifest });
    const r = p.run(["apply", "-f", "m.yaml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  };

  it("max_item_step_failures: an item failing that often is blocked, runs no more, and the loop ends", () => {
    setup(
      WORKSPACE +
        "\n" +
        doc("Workflow", "breaker", `  steps:\n    - id: qa\n      scope: item\n      command: echo failing {rel_path}; exit 1\n  loop:\n    mode: infinite\n    max_cycles: 8\n  safety:\n    max_consecutive_failures: 100\n    max_item_step_failures: 2\n`),
    );
    const r = p.run(["run", "--workflow", "breaker", "-o", "json"]);
    expect(r.code).toBe(1);
    const t = info(p, lastId(r.stdout));
    expect(t.items.map((i) => i.status)).toEqual(["blocked", "blocked", "blocked"]);
    // Two failures each, then nothing: the blocked items end the loop long before max_cycles.
    expect(t.runs).toHaveLength(6);
    expect(t.task.cycle).toBe(2);
    const events = p.run(["event", "list", "--type", "item_blocked"]).stdout;
    expect(events.match(/item_blocked/g)).toHaveLength(3);
    expect(events).toContain("2 step failures (safety.max_item_step_failures 2)");
  });

  it("min_cycle_interval_secs: quick cycles are spaced out, and after four in a row the task pauses itself", () => {
    setup(
      WORKSPACE +
        "\n" +
        doc("Workflow", "rapid", `  steps:\n    - id: tick\n      command: echo tick\n  loop:\n    mode: infinite\n    max_cycles: 8\n    stop_when_no_unresolved: false\n  safety:\n    min_cycle_interval_secs: 600\n`),
      {},
    );
    const r = p.run(["run", "--workflow", "rapid", "-o", "json"]);
    expect(r.code).toBe(3);
    const t = info(p, lastId(r.stdout));
    expect(t.task.phase).toBe("Paused");
    expect(t.task.message).toMatch(/4 cycles in a row ended sooner than min_cycle_interval_secs \(600 s\)/);
    const starts = t.runs.map((x) => Date.parse(x.startedAt));
    expect(starts).toHaveLength(4);
    // Backed off 1 s, then 2 s, then 4 s between them.
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(1000);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(2000);
    expect(starts[3]! - starts[2]!).toBeGreaterThanOrEqual(4000);
  }, 60_000);

  it("stagger_delay_ms: items running side by side start a step that far apart, the step's own value over the workflow's", () => {
    setup(
      WORKSPACE +
        "\n" +
        doc("Workflow", "staggered", `  max_parallel: 3\n  stagger_delay_ms: 1000\n  steps:\n    - id: qa\n      scope: item\n      command: echo {rel_path}\n`) +
        "\n" +
        doc("Workflow", "override", `  max_parallel: 3\n  stagger_delay_ms: 5000\n  steps:\n    - id: qa\n      scope: item\n      stagger_delay_ms: 1000\n      command: echo {rel_path}\n`),
    );
    const gaps = (wf: string): number[] => {
      const r = p.run(["run", "--workflow", wf, "-o", "json"]);
      expect(r.code).toBe(0);
      const starts = info(p, lastId(r.stdout)).runs.map((x) => Date.parse(x.startedAt)).sort((a, b) => a - b);
      return starts.slice(1).map((s, i) => s - starts[i]!);
    };
    // A run's start is recorded a moment after its turn, so single gaps may come out a little short; the span cannot.
    const staggered = gaps("staggered");
    for (const g of staggered) expect(g).toBeGreaterThanOrEqual(500);
    expect(staggered[0]! + staggered[1]!).toBeGreaterThanOrEqual(1700);
    const override = gaps("override");
    for (const g of override) {
      expect(g).toBeGreaterThanOrEqual(500);
      expect(g).toBeLessThan(5000);
    }
    expect(override[0]! + override[1]!).toBeGreaterThanOrEqual(1700);
  });

  it("safety.profile self_referential_probe: its shape is checked at validation, its workspace when it starts", () => {
    const probe = (extra: string) => doc("Workflow", "probe", `  steps:\n    - id: implement\n      command: echo probing\n    - id: self_test\n      type: self_test\n${extra}  loop:\n    mode: once\n  safety:\n    auto_rollback: true\n    checkpoint_strategy: git_tag\n    profile: self_referential_probe\n`);
    setup(doc("Workspace", "plain", `  root_path: "."\n`) + "\n" + probe(""));
    const r = p.run(["run", "--workflow", "probe"]);
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toContain("self_ref.probe_requires_self_referential_workspace: workflow 'probe' uses safety.profile self_referential_probe but workspace 'plain' is not self_referential");

    // A self-referential run checkpoints for real (git_tag needs a repository) and self_test runs the package's tests.
    p.write("package.json", JSON.stringify({ name: "probe", private: true, scripts: { test: "echo tested" } }));
    const git = (...args: string[]): void => void execFileSync("git", args, { cwd: p.dir, stdio: "ignore" });
    git("init", "-q");
    git("add", "-A");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init");
    p.write("self.yaml", doc("Workspace", "plain", `  root_path: "."\n  self_referential: true\n`));
    expect(p.run(["apply", "-f", "self.yaml"]).code).toBe(0);
    expect(p.run(["run", "--workflow", "probe"]).code).toBe(0);

    p.write("bad.yaml", probe(`    - id: qa\n      scope: item\n      command: echo qa\n`).replace("git_tag", "none"));
    const bad = p.run(["manifest", "validate", "-f", "bad.yaml"]);
    expect(bad.code).toBe(1);
    for (const rule of ["self_ref.probe_requires_git_tag_checkpoint", "self_ref.probe_task_scope_only", "self_ref.probe_forbidden_phase"]) expect(bad.stderr).toContain(rule);
  });
});
