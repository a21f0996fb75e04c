/**
 * Self-bootstrap safety through the built CLI: the `self_test` builtin
 * running the workspace's build, tests and manifest validation; a
 * self-referential workspace refusing a workflow that could not recover
 * from breaking it; binary snapshots of the built output, put back when the
 * workspace is rolled back.
 */
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initializedProject } from "../support/cli.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const git = (dir: string, ...args: string[]): string => execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: dir, encoding: "utf8" }).trim();

const pkg = (test: string): string => JSON.stringify({ name: "self", scripts: { build: "mkdir -p dist && echo built > dist/cli.js", test } });

describe("self-referential workspaces", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  const lastTask = (): { id: string; phase: string; message: string | null } => JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items.at(-1);

  it("self_test builds, tests and validates the manifests, announcing each phase and failing at the first that fails", () => {
    p = initializedProject({
      "package.json": pkg("echo all tests pass"),
      "manifests/m.yaml": [
        doc("Workspace", "w", '  root_path: "."\n'),
        doc("Workflow", "gate", "  steps:\n    - id: self_test\n      builtin: self_test\n    - id: after\n      scope: task\n      command: echo self_test exit {self_test_exit_code}\n      prehook:\n        engine: cel\n        when: self_test_passed\n"),
      ].join("---\n"),
    });
    expect(p.run(["apply", "-f", "manifests"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "gate"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/== self_test: build\n[\s\S]*== self_test: test\n[\s\S]*all tests pass\n== self_test: manifest_validate\nvalid: 2 documents in 1 file: 0 errors, 0 warnings\n/);
    expect(readFileSync(join(p.dir, "dist/cli.js"), "utf8")).toBe("built\n");
    p.write("package.json", pkg("echo 1 test failed; exit 3"));
    const failed = p.run(["run", "--workflow", "gate"]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).not.toContain("manifest_validate");
    expect(failed.stderr).toMatch(/==> step after skipped: prehook returned false: self_test_passed/);
  });

  it("fails self_test in a workspace it cannot build or test, instead of reporting a test that never ran", () => {
    p = initializedProject({ "m.yaml": [doc("Workspace", "w", '  root_path: "."\n'), doc("Workflow", "gate", "  steps:\n    - id: self_test\n      builtin: self_test\n")].join("---\n") });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "gate"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not start: self_test finds no package\.json or Cargo\.toml in .*; give the step a command that does/);
  });

  it("refuses to start a workflow on a self_referential workspace without a checkpoint, auto_rollback and self_test", () => {
    p = initializedProject({
      "m.yaml": [doc("Workspace", "self", '  root_path: "."\n  self_referential: true\n'), doc("Workflow", "reckless", "  steps:\n    - id: implement\n      scope: task\n      command: echo hack\n")].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["task", "create", "--workflow", "reckless"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("self-referential safety policy refuses the task: self_ref.checkpoint_strategy_required: workflow 'reckless' targets self_referential workspace 'self'");
    expect(r.stderr).toContain("self_ref.auto_rollback_required");
    expect(r.stderr).toContain("self_ref.self_test_required");
    expect(JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items).toEqual([]);
  });

  it("snapshots the built output each cycle and puts it back with the sources when the workspace is rolled back", () => {
    p = initializedProject({
      ".gitignore": "dist/\n.orchestrator/\n",
      "package.json": pkg("echo ok"),
      "src.txt": "good\n",
      "m.yaml": [
        doc("Workspace", "self", '  root_path: "."\n  self_referential: true\n  binary_snapshot: true\n'),
        doc(
          "Workflow",
          "boot",
          `  steps:
    - id: implement
      scope: task
      command: "echo broken > src.txt; echo corrupt > dist/cli.js"
    - id: self_test
      builtin: self_test
  safety:
    checkpoint_strategy: git_tag
    auto_rollback: true
    invariants:
      - name: sources_good
        command: "grep -q good src.txt"
        on_violation: rollback
`,
        ),
      ].join("---\n"),
    });
    git(p.dir, "init", "-q");
    git(p.dir, "add", "-A");
    git(p.dir, "commit", "-qm", "first");
    mkdirSync(join(p.dir, "dist"));
    writeFileSync(join(p.dir, "dist/cli.js"), "release v1\n");
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "boot"]);
    expect(r.code).toBe(1);
    expect(lastTask().message).toContain("(the workspace was rolled back)");
    expect(readFileSync(join(p.dir, "src.txt"), "utf8")).toBe("good\n");
    expect(readFileSync(join(p.dir, "dist/cli.js"), "utf8")).toBe("release v1\n");
    const types = (JSON.parse(p.run(["event", "list", "-o", "json", "--limit", "200"]).stdout).items as Array<{ type: string }>).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["binary_snapshot_taken", "workspace_rolled_back", "binary_snapshot_restored"]));
    expect(readFileSync(join(p.dir, ".orchestrator/stable/self/output/cli.js"), "utf8")).toBe("release v1\n");
  });

  it("starts without binary_snapshot on a self_referential workspace, with a warning", () => {
    p = initializedProject({
      "package.json": pkg("echo ok"),
      "m.yaml": [
        doc("Workspace", "self", '  root_path: "."\n  self_referential: true\n'),
        doc("Workflow", "boot", "  steps:\n    - id: self_test\n      builtin: self_test\n  safety:\n    checkpoint_strategy: git_stash\n    auto_rollback: true\n"),
      ].join("---\n"),
    });
    git(p.dir, "init", "-q");
    git(p.dir, "add", "-A");
    git(p.dir, "commit", "-qm", "first");
    p.run(["apply", "-f", "m.yaml"]);
    expect(p.run(["run", "--workflow", "boot"]).code).toBe(0);
    expect(JSON.parse(p.run(["event", "list", "--type", "self_referential_warning", "-o", "json"]).stdout).items[0].message).toMatch(/^self_ref\.binary_snapshot_recommended: /);
  });
});
