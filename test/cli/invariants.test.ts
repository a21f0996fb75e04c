/**
 * Invariants and checkpoints through the built CLI in real git
 * repositories: the guide's WP04 example (protected files, a check command
 * with its expected output, abort), upstream's corpus spelling (command,
 * expect_exit, check_at before_complete, halt), warn, rollback to a
 * checkpoint (git_tag and git_stash), auto_rollback after repeated
 * failures, invariants pinned when the task starts, and a checkpoint
 * strategy a workspace cannot hold.
 */
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, tail, taskPhases, until, type RunningController } from "../support/controller.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const WORKSPACE = doc("Workspace", "w", '  root_path: "."\n');

const git = (dir: string, ...args: string[]): string => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();

/** A project that is a git repository on branch main, with a first commit of its files. */
function repo(files: Record<string, string>): ReturnType<typeof initializedProject> {
  const p = initializedProject(files);
  git(p.dir, "init", "-q", "-b", "main");
  git(p.dir, "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A");
  git(p.dir, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "first");
  return p;
}

// The guide's invariant, as written.
const GUIDE_INVARIANT = `    invariants:
      - id: main_branch_exists
        description: "The main branch must always exist"
        check:
          command: "git branch --list main | wc -l"
          expect: "1"
        on_violation: abort
        protected_files:
          - ".github/workflows/*"
          - "Cargo.lock"
        checkpoint_filter:
          steps: [implement, self_test]
`;

const guideWorkflow = (implement: string): string =>
  doc(
    "Workflow",
    "wp04",
    `  steps:
    - id: implement
      scope: task
      command: ${JSON.stringify(implement)}
    - id: self_test
      builtin: self_test
    - id: after
      scope: task
      command: echo after > after.txt
  safety:
${GUIDE_INVARIANT}`,
  );

const FILES = {
  ".github/workflows/ci.yml": "ci: true\n",
  "Cargo.lock": "lock v1\n",
  "app.txt": "app\n",
  "package.json": JSON.stringify({ name: "demo", scripts: { test: "echo tests pass" } }),
};

interface TaskJson {
  id: string;
  phase: string;
  message: string | null;
  reason: string | null;
}

describe("invariants", () => {
  let p: ReturnType<typeof initializedProject> | undefined;
  let controller: RunningController | undefined;
  afterEach(async () => {
    await stopAndRemove(controller, p);
    controller = undefined;
    p = undefined;
  });

  const lastTask = (): TaskJson => (JSON.parse(p!.run(["task", "list", "-o", "json"]).stdout).items as TaskJson[]).at(-1)!;
  const events = (type: string): Array<{ message: string; data: Record<string, unknown> }> => JSON.parse(p!.run(["event", "list", "--type", type, "-o", "json"]).stdout).items;

  it("runs the guide's WP04 example: passing checks let the task complete", () => {
    p = repo({ ...FILES, "m.yaml": [WORKSPACE, guideWorkflow("echo changed >> app.txt")].join("---\n") });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "wp04"]);
    expect(r.stderr).toContain("completed");
    expect(r.code).toBe(0);
    expect(events("invariants_pinned")[0]).toMatchObject({ message: "1 invariant(s) pinned", data: { invariants: ["main_branch_exists"], protectedFiles: 2 } });
    expect(events("invariant_violated")).toEqual([]);
  });

  it("aborts the task when a step changes a protected file: the next steps do not run", () => {
    p = repo({ ...FILES, "m.yaml": [WORKSPACE, guideWorkflow("echo tampered >> Cargo.lock")].join("---\n") });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "wp04"]);
    expect(r.code).toBe(1);
    expect(lastTask().message).toBe("invariant 'main_branch_exists' violated after step implement: protected file changed: Cargo.lock (protected_files: .github/workflows/*, Cargo.lock)");
    expect(existsSync(join(p.dir, "after.txt"))).toBe(false);
    expect(events("invariant_violated")[0]).toMatchObject({ data: { invariant: "main_branch_exists", action: "halt", where: "after step implement" } });
  });

  it("aborts when the check command's output is not what it expects (the main branch was renamed)", () => {
    p = repo({ ...FILES, "m.yaml": [WORKSPACE, guideWorkflow("git branch -m main trunk")].join("---\n") });
    p.run(["apply", "-f", "m.yaml"]);
    expect(p.run(["run", "--workflow", "wp04"]).code).toBe(1);
    expect(lastTask().message).toBe(`invariant 'main_branch_exists' violated after step implement: command printed "0" (expected "1")`);
  });

  it("checks only after the steps checkpoint_filter names: a later step's breakage is caught before the task completes", () => {
    const wf = doc(
      "Workflow",
      "filtered",
      `  steps:
    - id: implement
      scope: task
      command: echo implemented
    - id: rename
      scope: task
      command: git branch -m main trunk
    - id: after
      scope: task
      command: echo after > after.txt
  safety:
${GUIDE_INVARIANT.replace("steps: [implement, self_test]", "steps: [implement]")}`,
    );
    p = repo({ ...FILES, "m.yaml": [WORKSPACE, wf].join("---\n") });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    expect(p.run(["run", "--workflow", "filtered"]).code).toBe(1);
    // Not checked after rename: the step after it ran.
    expect(existsSync(join(p.dir, "after.txt"))).toBe(true);
    expect(lastTask().message).toBe(`failed: invariant 'main_branch_exists' violated before the task completes: command printed "0" (expected "1")`);
  });

  it("halts before completing with the corpus spelling (command, expect_exit, check_at), and warn only records", () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc(
          "Workflow",
          "gated",
          `  steps:
    - id: plan
      scope: task
      command: echo planned
  safety:
    invariants:
      - name: quality_gate
        description: "Always fails"
        command: "echo broken >&2; exit 1"
        expect_exit: 0
        check_at: [before_complete]
        on_violation: halt
        immutable: true
`,
        ),
        doc(
          "Workflow",
          "noted",
          `  steps:
    - id: implement
      scope: task
      command: echo implemented
  safety:
    invariants:
      - name: soft
        command: "test -f never-there"
        on_violation: warn
`,
        ),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    expect(p.run(["run", "--workflow", "gated"]).code).toBe(1);
    expect(lastTask().message).toBe("failed: invariant 'quality_gate' violated before the task completes: command exited 1 (expected 0): broken");
    expect(p.run(["run", "--workflow", "noted"]).code).toBe(0);
    // Checked after implement and before completing (the default check points), recorded both times.
    expect(events("invariant_violated").filter((e) => e.data["invariant"] === "soft").map((e) => e.data["where"])).toEqual(["after step implement", "before the task completes"]);
  });

  for (const strategy of ["git_tag", "git_stash"]) {
    it(`rolls the workspace back to the cycle's checkpoint (${strategy}) when an invariant says rollback`, () => {
      p = repo({
        "app.txt": "committed\n",
        "m.yaml": [
          WORKSPACE,
          doc(
            "Workflow",
            "undo",
            `  steps:
    - id: implement
      scope: task
      command: "echo broken >> app.txt; echo junk > junk.txt; git -c user.email=a@b -c user.name=a commit -qam wip"
    - id: later
      scope: task
      command: echo later > later.txt
  safety:
    checkpoint_strategy: ${strategy}
    invariants:
      - name: app_intact
        command: "! grep -q broken app.txt"
        on_violation: rollback
`,
          ),
        ].join("---\n"),
      });
      p.run(["apply", "-f", "m.yaml"]);
      // Uncommitted work from before the task is part of the checkpoint, and comes back.
      writeFileSync(join(p.dir, "app.txt"), "committed\nlocal edit\n");
      writeFileSync(join(p.dir, "notes.txt"), "untracked before\n");
      const head = git(p.dir, "rev-parse", "HEAD");
      const r = p.run(["run", "--workflow", "undo"]);
      expect(r.code).toBe(1);
      expect(lastTask().message).toBe("failed: invariant 'app_intact' violated after step implement: command exited 1 (expected 0) (the workspace was rolled back)");
      expect(readFileSync(join(p.dir, "app.txt"), "utf8")).toBe("committed\nlocal edit\n");
      expect(readFileSync(join(p.dir, "notes.txt"), "utf8")).toBe("untracked before\n");
      expect(existsSync(join(p.dir, "junk.txt"))).toBe(false);
      expect(existsSync(join(p.dir, "later.txt"))).toBe(false);
      expect(git(p.dir, "rev-parse", "HEAD")).toBe(head);
      const rolled = events("workspace_rolled_back");
      expect(rolled).toHaveLength(1);
      expect(rolled[0]!.data).toMatchObject({ strategy, cycle: 1, head });
      if (strategy === "git_tag") expect(git(p.dir, "tag")).toMatch(/^orchestrator\/t-\w+\/cycle-1$/);
      else expect(git(p.dir, "stash", "list")).toMatch(/orchestrator checkpoint: task t-\w+ cycle 1/);
    });
  }

  it("rolls back with auto_rollback when max_consecutive_failures stops the task", () => {
    p = repo({
      "app.txt": "committed\n",
      "m.yaml": [
        WORKSPACE,
        doc(
          "Workflow",
          "flaky",
          "  steps:\n    - id: one\n      scope: task\n      command: echo one >> app.txt; exit 1\n    - id: two\n      scope: task\n      command: echo two > two.txt; exit 1\n  safety:\n    max_consecutive_failures: 2\n    auto_rollback: true\n    checkpoint_strategy: git_tag\n",
        ),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    expect(p.run(["run", "--workflow", "flaky"]).code).toBe(1);
    expect(lastTask().message).toBe("safety: 2 consecutive step failures (max_consecutive_failures 2)");
    expect(readFileSync(join(p.dir, "app.txt"), "utf8")).toBe("committed\n");
    expect(existsSync(join(p.dir, "two.txt"))).toBe(false);
    expect(events("workspace_rolled_back")[0]!.message).toMatch(/: safety\.auto_rollback: safety: 2 consecutive step failures/);
  });

  it("keeps the invariants pinned at task start over a workflow re-applied without them: the resumed task still fails on them", async () => {
    const steps = '  steps:\n    - id: implement\n      scope: task\n      command: echo implemented\n    - id: after\n      scope: task\n      command: echo after >> after.txt\n';
    const strict = doc("Workflow", "pinned", `${steps}  safety:\n    invariants:\n      - name: no_marker\n        command: "test ! -f marker"\n        on_violation: halt\n`);
    p = initializedProject({ "m.yaml": [WORKSPACE, strict].join("---\n"), marker: "" });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    expect(p.run(["run", "--workflow", "pinned"]).code).toBe(1);
    const id = lastTask().id;
    expect(lastTask().message).toBe("invariant 'no_marker' violated after step implement: command exited 1 (expected 0)");
    expect(events("invariants_pinned")[0]).toMatchObject({ data: { invariants: ["no_marker"] } });

    // The workflow loses its invariant while the task waits to be resumed.
    p.write("m.yaml", [WORKSPACE, doc("Workflow", "pinned", steps)].join("---\n"));
    expect(p.run(["apply", "-f", "m.yaml"]).stdout).toContain("workflow/pinned configured");
    expect(p.run(["task", "resume", id]).code).toBe(0);
    controller = await startController(p.dir);
    await until("the resumed task to end", () => ["Completed", "Failed"].includes(lastTask().phase), undefined, undefined, () => `tasks: ${taskPhases(p!)}; controller log: ${tail(controller!.log())}`);

    // The task ran on (the step after implement) under the weakened workflow, and the pinned invariant still stopped it.
    expect(readFileSync(join(p.dir, "after.txt"), "utf8")).toBe("after\n");
    expect(lastTask()).toMatchObject({ id, phase: "Failed", message: "failed: invariant 'no_marker' violated before the task completes: command exited 1 (expected 0)" });
    const kept = events("invariants_kept");
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ message: "workflow invariants changed; the pinned ones apply", data: { pinned: ["no_marker"], workflow: [] } });
    expect(controller.log()).toContain("the workflow's safety.invariants changed since the task started; the 1 pinned at ");

    // A task started under the weakened workflow pins nothing and completes with the marker there.
    await controller.stop();
    controller = undefined;
    expect(p.run(["run", "--workflow", "pinned"]).code).toBe(0);
    expect(lastTask().phase).toBe("Completed");
    expect(events("invariants_pinned")).toHaveLength(1);
  });

  it("fails at start when the workspace cannot hold the checkpoint its workflow asks for", () => {
    p = initializedProject({ "m.yaml": [WORKSPACE, doc("Workflow", "tagged", "  steps:\n    - id: a\n      scope: task\n      command: echo a\n  safety:\n    checkpoint_strategy: git_tag\n")].join("---\n") });
    p.run(["apply", "-f", "m.yaml"]);
    expect(p.run(["run", "--workflow", "tagged"]).code).toBe(1);
    expect(lastTask()).toMatchObject({ reason: "SafetyCheckFailed" });
    expect(lastTask().message).toMatch(/^safety\.checkpoint_strategy git_tag needs the workspace root .* to be in a git repository; run `git init` there \(and commit once\), or set checkpoint_strategy: none$/);
  });

  it("refuses at apply an invariant that rolls back without a checkpoint, or checks nothing", () => {
    p = initializedProject({
      "m.yaml": [WORKSPACE, doc("Workflow", "bad", "  steps:\n    - id: a\n      scope: task\n      command: echo a\n  safety:\n    invariants:\n      - name: r\n        command: 'true'\n        on_violation: rollback\n      - name: empty\n")].join("---\n"),
    });
    const r = p.run(["apply", "-f", "m.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("spec.safety.invariants[0].on_violation: invariant 'r' rolls back on violation, but safety.checkpoint_strategy is none: there is no checkpoint to return to");
    expect(r.stderr).toContain("spec.safety.invariants[1]: invariant 'empty' checks nothing");
  });
});
