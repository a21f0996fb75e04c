/**
 * `stall_timeout_secs` through the built CLI: a step that writes nothing for
 * that long is stopped with its whole process group and its run times out
 * with a reason naming the stall; output keeps the limit away; a step's own
 * value wins over the workflow's `safety.stall_timeout_secs`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";
import { alive, info, type Project } from "./task-support.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const WORKSPACE = doc("Workspace", "w", `  root_path: "."\n  qa_targets: []\n`);

/** Prints once, then waits on a minute-long sleep whose pid it records. */
const QUIET = `"echo started; sleep 60 & echo $! > sleep.pid; wait"`;

function setup(p: Project, ...docs: string[]): void {
  p.write("m.yaml", [WORKSPACE, ...docs].join("---\n"));
  const r = p.run(["apply", "-f", "m.yaml"]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/warning/);
}

/** `orchestrator run`, then the task it made; the run itself ends the wait, with room for a busy machine. */
function runWorkflow(p: Project, workflow: string): { code: number; stderr: string; task: ReturnType<typeof info> } {
  const r = p.run(["run", "--workflow", workflow], { timeoutMs: 120_000 });
  const id = (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout) as { items: Array<{ id: string; workflow: string }> }).items.find((t) => t.workflow === workflow)!.id;
  return { code: r.code, stderr: r.stderr, task: info(p, id) };
}

describe("stall_timeout_secs", () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  it("stops a step that writes nothing for that long, with its process group, and fails the run naming the stall", () => {
    p = initializedProject();
    setup(p, doc("Workflow", "quiet", `  steps:\n    - id: wait\n      scope: task\n      command: ${QUIET}\n      stall_timeout_secs: 2\n`));
    const { code, stderr, task } = runWorkflow(p, "quiet");
    expect(code).toBe(1);
    const reason = "stalled: no output on stdout or stderr for 2s (stall_timeout_secs: 2); the step's process group was stopped";
    expect(task.task.phase).toBe("Failed");
    expect(task.task.message).toContain(reason);
    expect(task.runs).toMatchObject([{ step: "wait", status: "timed_out", reason }]);
    expect(stderr).toContain(reason);
    // The background sleep went with its group: nothing of the step runs on.
    expect(alive(Number(readFileSync(join(p.dir, "sleep.pid"), "utf8")))).toBe(false);
    const log = readFileSync(task.runs[0]!.logPath!, "utf8");
    expect(log).toMatch(/started\n\[orchestrator\] stalled: no output for 2000 ms; stopping process group \d+/);
  });

  it("lets a step run past the limit while it keeps writing", () => {
    p = initializedProject();
    // Runs about 3 s, never 2 s without a line.
    setup(p, doc("Workflow", "chatty", `  steps:\n    - id: talk\n      scope: task\n      command: "for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.5; done"\n      stall_timeout_secs: 2\n`));
    const { code, task } = runWorkflow(p, "chatty");
    expect(code).toBe(0);
    expect(task.runs).toMatchObject([{ step: "talk", status: "succeeded", reason: null }]);
    expect(readFileSync(task.runs[0]!.logPath!, "utf8")).toContain("tick 6");
  });

  it("takes the workflow's safety.stall_timeout_secs for every step, and a step's own value wins over it", () => {
    p = initializedProject();
    setup(
      p,
      doc(
        "Workflow",
        "layered",
        `  safety:
    stall_timeout_secs: 1
  steps:
    - id: patient
      scope: task
      command: "sleep 3; echo done"
      stall_timeout_secs: 30
    - id: inherits
      scope: task
      command: ${QUIET}
`,
      ),
    );
    const { code, task } = runWorkflow(p, "layered");
    expect(code).toBe(1);
    expect(task.runs).toMatchObject([
      { step: "patient", status: "succeeded" },
      { step: "inherits", status: "timed_out", reason: "stalled: no output on stdout or stderr for 1s (safety.stall_timeout_secs: 1); the step's process group was stopped" },
    ]);
  });

  it("applies to agent steps too", () => {
    p = initializedProject();
    setup(
      p,
      doc("Agent", "mute", `  capabilities: [think]\n  command: ${QUIET}\n`),
      doc("Workflow", "agentic", `  steps:\n    - id: think\n      scope: task\n      required_capability: think\n      stall_timeout_secs: 2\n`),
    );
    const { code, task } = runWorkflow(p, "agentic");
    expect(code).toBe(1);
    expect(task.runs[0]).toMatchObject({ step: "think", status: "timed_out", reason: expect.stringMatching(/^stalled: no output on stdout or stderr for 2s \(stall_timeout_secs: 2\)/) });
  });
});
