/**
 * What a finished task tells about itself through the built CLI: why its
 * loop stopped (`max_cycles`, a convergence expression, a guard step), the
 * chain step each child run belongs to, and `task items` with each item's
 * status.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { initializedProject } from "../support/cli.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

const MANIFEST = [
  doc("Workspace", "w", `  root_path: "."\n  qa_targets: [docs/qa]\n`),
  doc("Workflow", "capped", `  steps:\n    - id: work\n      scope: task\n      command: echo work {cycle}\n  loop:\n    mode: infinite\n    max_cycles: 2\n    enabled: false\n`),
  doc(
    "Workflow",
    "converging",
    `  steps:
    - id: work
      scope: task
      command: echo work {cycle}
  loop:
    mode: infinite
    max_cycles: 5
    enabled: false
    convergence_expr:
      - engine: cel
        when: "cycle >= 2"
        reason: settled
`,
  ),
  doc(
    "Workflow",
    "guarded",
    `  steps:
    - id: work
      scope: task
      command: echo work {cycle}
    - id: judge
      scope: task
      is_guard: true
      command: >-
        echo '{"should_stop": true, "reason": "judge is satisfied"}'
  loop:
    mode: infinite
    max_cycles: 5
`,
  ),
  doc(
    "Workflow",
    "chained",
    `  steps:
    - id: check
      scope: item
      command: case "{rel_path}" in *bad.md) exit 4;; *) echo fine {rel_path};; esac
    - id: smoke
      scope: task
      chain_steps:
        - id: compile
          command: echo compiling
        - id: link
          command: echo linking
`,
  ),
].join("---\n");

describe("task status: loop stop, chained runs, items", { timeout: 90_000 }, () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());
  const setup = (): void => {
    p = initializedProject({ "m.yaml": MANIFEST, "docs/qa/good.md": "# good\n", "docs/qa/bad.md": "# bad\n" });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
  };
  const lastTask = (): string => p.run(["task", "list", "-o", "name"]).stdout.trim().split("\n").at(-1)!.replace(/^task\//, "");
  const taskJson = (id: string): { task: { loop: Record<string, unknown> | null; message: string } } => JSON.parse(p.run(["task", "info", id, "-o", "json"]).stdout);

  it("records why the loop stopped: max_cycles, a convergence expression or a guard step", () => {
    setup();
    expect(p.run(["run", "--workflow", "capped"]).code).toBe(0);
    let id = lastTask();
    expect(taskJson(id).task.loop).toEqual({ stoppedBy: "max_cycles", reason: "max_cycles_reached", cycle: 2 });
    expect(p.run(["task", "info", id]).stdout).toMatch(/^Loop: +stopped by max_cycles \(max_cycles_reached\) after cycle 2$/m);
    const run = JSON.parse(p.run(["get", "runs", "-o", "json"]).stdout).items.find((r: { status: { taskId: string } }) => r.status.taskId === id);
    expect(run.status.loop).toEqual({ stoppedBy: "max_cycles", reason: "max_cycles_reached", cycle: 2 });

    expect(p.run(["run", "--workflow", "converging"]).code).toBe(0);
    id = lastTask();
    expect(taskJson(id).task.loop).toEqual({ stoppedBy: "convergence", reason: "settled", cycle: 2, expression: "cycle >= 2" });
    expect(p.run(["task", "info", id]).stdout).toMatch(/^Loop: +stopped by convergence cycle >= 2 \(settled\) after cycle 2$/m);

    expect(p.run(["run", "--workflow", "guarded"]).code).toBe(0);
    id = lastTask();
    expect(taskJson(id).task.loop).toEqual({ stoppedBy: "guard", reason: "judge is satisfied", cycle: 1, step: "judge" });
    expect(taskJson(id).task.message).toBe("completed after 1 cycle(s); loop stopped by guard (judge is satisfied)");
  });

  it("records the chain step each child run ran in, and lists the task's items with their status", () => {
    setup();
    expect(p.run(["run", "--workflow", "chained"]).code).toBe(1);
    const id = lastTask();
    const json = JSON.parse(p.run(["task", "info", id, "-o", "json"]).stdout) as { runs: Array<{ step: string; parentStep: string | null }> };
    expect(json.runs.filter((r) => r.parentStep !== null).map((r) => [r.parentStep, r.step])).toEqual([
      ["smoke", "compile"],
      ["smoke", "link"],
    ]);
    expect(json.runs.filter((r) => r.step === "check").every((r) => r.parentStep === null)).toBe(true);
    expect(p.run(["task", "info", id]).stdout).toMatch(/ smoke\/compile +succeeded /);
    const events = JSON.parse(p.run(["event", "list", "--task", id, "--type", "run_result", "-o", "json"]).stdout).items as Array<{ data: { step: string; parentStep?: string } }>;
    expect(events.find((e) => e.data.step === "link")!.data.parentStep).toBe("smoke");

    const table = p.run(["task", "items", id]);
    expect(table.code).toBe(0);
    const rows = table.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^ID +PATH +STATUS +FAILURES +LAST STEP$/);
    expect(rows.slice(1).map((r) => r.split(/ {3,}/).slice(1, 4))).toEqual([
      ["docs/qa/bad.md", "unresolved", "1"],
      ["docs/qa/good.md", "qa_passed", "0"],
    ]);
    expect(rows[1]).toMatch(/check failed \(cycle 1\)$/);
    const items = JSON.parse(p.run(["task", "items", id, "-o", "json"]).stdout).items as Array<{ path: string; status: string; failures: number; lastRun: { step: string; status: string; exitCode: number } }>;
    expect(items.map((i) => [i.path, i.status, i.failures, i.lastRun.step, i.lastRun.status, i.lastRun.exitCode])).toEqual([
      ["docs/qa/bad.md", "unresolved", 1, "check", "failed", 4],
      ["docs/qa/good.md", "qa_passed", 0, "check", "succeeded", 0],
    ]);
    expect(parse(p.run(["task", "items", id, "-o", "yaml"]).stdout).items).toEqual(items);
    expect(items[0]).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "TaskItem" });
    // Every listing takes the contract's formats; an unknown one is a usage error.
    expect(p.run(["task", "items", id, "-o", "name"]).stdout).toMatch(/^item\/\S+\nitem\/\S+\n$/);
    expect(p.run(["task", "items", id, "-o", "xml"]).code).toBe(2);
    expect(p.run(["task", "items", "no-such-task"]).code).toBe(1);
  });
});
