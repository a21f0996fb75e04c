/**
 * Spawned tasks through the built CLI and a real controller: the guide's
 * WP02 examples (spawn_task, spawn_tasks with json_path and mapping), the
 * parent recorded on each child, `task list --parent`, the tree in
 * `task trace` and `task info`, and the safety limits (max_spawned_tasks,
 * max_spawn_depth, spawn_cooldown_seconds) refusing a burst whole.
 */
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, taskPhases, until, type RunningController } from "../support/controller.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const WORKSPACE = doc("Workspace", "w", '  root_path: "."\n');

interface TaskJson {
  id: string;
  name: string;
  workflow: string;
  goal: string;
  phase: string;
  message: string | null;
  parent: { taskId: string; step: string; depth: number } | null;
  createdAt: string;
}

describe("spawned tasks", { timeout: 240_000 }, () => {
  let p: ReturnType<typeof initializedProject> | undefined;
  let controller: RunningController | undefined;
  afterEach(async () => {
    await stopAndRemove(controller, p);
    controller = undefined;
    p = undefined;
  });

  const tasks = (...extra: string[]): TaskJson[] => (JSON.parse(p!.run(["task", "list", "-o", "json", ...extra]).stdout) as { items: TaskJson[] }).items;
  const settled = (list: TaskJson[]): boolean => list.every((t) => ["Completed", "Failed"].includes(t.phase));

  it("runs the guide's spawn_task: the child runs on the controller, records its parent and step, and shows in list, info and trace", async () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc(
          "Workflow",
          "parent",
          `  steps:
    - id: plan
      scope: task
      enabled: true
      command: echo planned
      behavior:
        post_actions:
          - type: spawn_task
            goal: "verify-changes"
            workflow: verify_workflow
`,
        ),
        doc("Workflow", "verify_workflow", "  steps:\n    - id: verify\n      scope: task\n      command: echo verifying {goal}\n"),
      ].join("---\n"),
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "parent"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/1 spawned task\(s\) queued \(t-\w+\); no controller runs: start one with `orchestrator controller`/);
    const [parent] = tasks();
    const children = tasks("--parent", parent!.id);
    expect(children).toEqual([expect.objectContaining({ workflow: "verify_workflow", goal: "verify-changes", name: "spawn:verify-changes", phase: "Pending", parent: { taskId: parent!.id, step: "plan", depth: 1 } })]);
    controller = await startController(p.dir);
    await until("the child to finish", () => settled(tasks("--parent", parent!.id)), undefined, undefined, () => taskPhases(p!));
    const child = tasks("--parent", parent!.id)[0]!;
    expect(child.phase).toBe("Completed");
    expect(p.run(["task", "logs", child.id]).stdout).toContain("verifying verify-changes");
    const trace = p.run(["task", "trace", parent!.id]).stdout;
    expect(trace).toMatch(new RegExp(`── Spawned tasks ─+\\n  └─ ${child.id} spawn:verify-changes \\(verify_workflow\\) Completed  ← step plan\\n`));
    expect(JSON.parse(p.run(["task", "trace", parent!.id, "--json"]).stdout).spawned).toEqual([expect.objectContaining({ id: child.id, step: "plan", depth: 1, children: [] })]);
    expect(p.run(["task", "trace", child.id]).stdout).toContain(`Spawned by ${parent!.name} (${parent!.id}), step plan (depth 1)`);
    expect(p.run(["task", "info", parent!.id]).stdout).toMatch(new RegExp(`Spawned tasks \\(1\\):\\n.*\\n  ${child.id}\\s+spawn:verify-changes\\s+verify_workflow\\s+Completed\\s+plan\\n`));
    expect(p.run(["task", "info", child.id]).stdout).toMatch(new RegExp(`Parent:\\s+${parent!.id} \\(step plan, depth 1\\)`));
    expect(JSON.parse(p.run(["event", "list", "--type", "task_spawned", "-o", "json"]).stdout).items[0]).toMatchObject({ taskId: parent!.id, data: { step: "plan", children: [child.id] } });
  });

  it("runs the guide's spawn_tasks: one child per element of the list, goals from the mapping, at most max_tasks", async () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc(
          "Workflow",
          "fanout",
          `  steps:
    - id: plan
      scope: task
      enabled: true
      command: "echo '{\\"goals\\":[{\\"description\\":\\"fix login\\"},{\\"description\\":\\"fix logout\\"},{\\"description\\":\\"fix signup\\"}]}'"
      behavior:
        captures:
          - var: task_list
            source: stdout
        post_actions:
          - type: spawn_tasks
            from_var: task_list
            json_path: "$.goals"
            mapping:
              goal: "$.description"
            workflow: child_workflow
            max_tasks: 2
`,
        ),
        doc("Workflow", "child_workflow", "  steps:\n    - id: work\n      scope: task\n      command: echo working on {goal}\n"),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "fanout"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1 more left out by max_tasks");
    const [parent] = tasks();
    expect(tasks("--parent", parent!.id).map((t) => [t.goal, t.workflow, t.parent?.depth])).toEqual([
      ["fix login", "child_workflow", 1],
      ["fix logout", "child_workflow", 1],
    ]);
    controller = await startController(p.dir, ["--workers", "2"]);
    await until("the children to finish", () => settled(tasks("--parent", parent!.id)), undefined, undefined, () => taskPhases(p!));
    expect(tasks("--parent", parent!.id).map((t) => t.phase)).toEqual(["Completed", "Completed"]);
  });

  it("refuses a burst that would exceed max_spawned_tasks: the step fails and no child is created", () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc(
          "Workflow",
          "greedy",
          `  steps:
    - id: plan
      scope: task
      command: "echo '[\\"a\\",\\"b\\"]'"
      behavior:
        post_actions:
          - type: spawn_tasks
            from_var: plan_output
            json_path: "$"
            mapping:
              goal: "$"
  safety:
    max_spawned_tasks: 1
`,
        ),
        doc("Workflow", "none-allowed", "  steps:\n    - id: plan\n      scope: task\n      command: echo x\n      behavior:\n        post_actions:\n          - type: spawn_task\n            goal: g\n  safety:\n    max_spawn_depth: 0\n    max_spawned_tasks: 0\n"),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "greedy"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("spawn refused: 0 task(s) already spawned, 2 more would exceed safety.max_spawned_tasks 1");
    const r2 = p.run(["run", "--workflow", "none-allowed"]);
    expect(r2.stderr).toContain("spawn refused: spawn depth 1 would exceed safety.max_spawn_depth 0 (this workflow may not spawn tasks)");
    expect(tasks().filter((t) => t.parent !== null)).toEqual([]);
  });

  it("stops a workflow spawning itself at max_spawn_depth: the deepest allowed child fails saying why", async () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc("Workflow", "recurse", "  steps:\n    - id: again\n      scope: task\n      command: echo level\n      behavior:\n        post_actions:\n          - type: spawn_task\n            goal: deeper\n  safety:\n    max_spawn_depth: 2\n"),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    expect(p.run(["run", "--workflow", "recurse"]).code).toBe(0);
    controller = await startController(p.dir);
    await until("the spawned tasks to finish", () => tasks().length === 3 && settled(tasks()), undefined, undefined, () => taskPhases(p!));
    const all = tasks();
    expect(all.map((t) => [t.parent?.depth ?? 0, t.phase])).toEqual([
      [0, "Completed"],
      [1, "Completed"],
      [2, "Failed"],
    ]);
    expect(all[2]!.message).toContain("spawn refused: spawn depth 3 would exceed safety.max_spawn_depth 2");
    expect(all[2]!.parent?.taskId).toBe(all[1]!.id);
    // The root's trace shows the whole tree.
    expect(p.run(["task", "trace", all[0]!.id]).stdout).toMatch(new RegExp(`└─ ${all[1]!.id} .*\\n     └─ ${all[2]!.id} .* Failed  ← step again\\n`));
  });

  it("waits out spawn_cooldown_seconds between two bursts of one parent", () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc("Workflow", "child", "  steps:\n    - id: c\n      scope: task\n      command: echo child\n"),
        doc(
          "Workflow",
          "paced",
          "  steps:\n    - id: plan\n      scope: task\n      command: echo x\n      behavior:\n        post_actions:\n          - type: spawn_task\n            goal: first\n            workflow: child\n          - type: spawn_task\n            goal: second\n            workflow: child\n  safety:\n    spawn_cooldown_seconds: 2\n",
        ),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    expect(p.run(["run", "--workflow", "paced"]).code).toBe(0);
    const [first, second] = tasks().filter((t) => t.parent !== null);
    expect(Date.parse(second!.createdAt) - Date.parse(first!.createdAt)).toBeGreaterThanOrEqual(2000);
  });
});
