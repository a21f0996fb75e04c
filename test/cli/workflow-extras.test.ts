/**
 * Workflow fields the engine now acts on, through the built CLI:
 * `behavior.collect_artifacts`, `loop.guard`, `step_vars` in a prehook,
 * and a Workspace's `health_policy` as the default for its agents.
 */
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

describe("workflow fields", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("collect_artifacts counts a command step's artifacts in the finalize facts, and not those of a step that does not collect", () => {
    const emit = `echo '{\\"artifacts\\":[{\\"kind\\":\\"code_change\\",\\"files\\":[\\"a.ts\\"]}]}'`;
    p = initializedProject({
      "docs/qa/a.md": "a",
      "m.yaml": [
        doc("Workspace", "w", '  root_path: "."\n  qa_targets: [docs/qa]\n'),
        ...[true, false].map((collect) =>
          doc(
            "Workflow",
            collect ? "collects" : "ignores",
            `  steps:
    - id: build
      scope: item
      command: "${emit}"
      behavior:
        collect_artifacts: ${collect}
  finalize:
    rules:
      - id: changed
        when: "has_code_change_artifacts && total_artifacts == 1"
        status: verified
      - id: other
        when: "true"
        status: unresolved
`,
          ),
        ),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    expect(p.run(["run", "--workflow", "collects"]).code).toBe(0);
    expect(p.run(["run", "--workflow", "ignores"]).code).toBe(1);
    const collected = JSON.parse(p.run(["event", "list", "--type", "artifacts_collected", "-o", "json"]).stdout).items;
    expect(collected).toHaveLength(1);
    expect(collected[0].data).toMatchObject({ step: "build", item: "docs/qa/a.md", count: 1, kinds: ["code_change"] });
  });

  it("reads loop.guard's nested settings: stop_when_no_unresolved false keeps an infinite loop going to max_cycles", () => {
    p = initializedProject({
      "m.yaml": [
        doc("Workspace", "w", '  root_path: "."\n'),
        doc("Workflow", "nested", "  steps:\n    - id: tick\n      scope: task\n      command: echo tick {cycle}\n  loop:\n    mode: infinite\n    guard:\n      enabled: true\n      stop_when_no_unresolved: false\n      max_cycles: 3\n"),
        doc("Workflow", "flat", "  steps:\n    - id: tick\n      scope: task\n      command: echo tick {cycle}\n  loop:\n    mode: infinite\n    max_cycles: 3\n"),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    expect(p.run(["run", "--workflow", "nested"]).stderr).toMatch(/completed after 3 cycle\(s\); loop stopped by max_cycles/);
    expect(p.run(["run", "--workflow", "flat"]).stderr).toMatch(/completed after 1 cycle\(s\); loop stopped by no_unresolved_items/);
    const bad = p.run(["manifest", "validate", "-f", "-"], { input: doc("Workflow", "x", "  steps:\n    - id: a\n      command: a\n  loop:\n    guard:\n      enabeld: true\n") });
    expect(bad.stderr).toMatch(/spec\.loop\.guard\.enabeld: unknown field 'enabeld'; did you mean 'enabled'\?/);
  });

  it("gives a prehook the step's own step_vars, as its command sees them", () => {
    p = initializedProject({
      "m.yaml": [
        doc("Workspace", "w", '  root_path: "."\n'),
        doc(
          "Workflow",
          "scoped",
          `  steps:
    - id: session
      scope: task
      command: "echo ses-1"
      behavior:
        captures:
          - var: loop_session_id
            source: stdout
    - id: fresh
      scope: task
      command: "echo fresh session '{loop_session_id}'"
      step_vars:
        loop_session_id: ""
      prehook:
        engine: cel
        when: 'loop_session_id == ""'
    - id: reuse
      scope: task
      command: "echo reuse {loop_session_id}"
      prehook:
        engine: cel
        when: 'loop_session_id != ""'
`,
        ),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "scoped"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("fresh session \n");
    expect(r.stdout).toMatch(/reuse ses-1/);
  });

  it("uses a workspace's health_policy for agents that set none: disease_duration_hours 0 keeps a failing agent eligible", () => {
    const agents = doc("Agent", "flaky", "  capabilities: [qa]\n  command: exit 127\n");
    const wf = doc("Workflow", "q", "  steps:\n    - id: qa\n      scope: task\n");
    const third = (health: string): string => {
      p = initializedProject({ "m.yaml": [doc("Workspace", "w", `  root_path: "."\n${health}`), agents, wf].join("---\n") });
      p.run(["apply", "-f", "m.yaml"]);
      for (let i = 0; i < 3; i++) p.run(["run", "--workflow", "q"]);
      const id = JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items.at(-1).id;
      const reason = JSON.parse(p.run(["task", "info", id, "-o", "json"]).stdout).runs[0].reason as string;
      p.cleanup();
      return reason;
    };
    // Upstream's defaults: two infrastructure failures (exit 127) in a row make the agent diseased for 5 hours.
    expect(third("")).toMatch(/^could not start: no schedulable agent has capability 'qa' in project 'default': flaky is diseased until /);
    // The workspace turns disease off for its agents: the third run still gets one.
    expect(third("  health_policy:\n    disease_duration_hours: 0\n")).toBe("command not found (exit 127)");
  });
});
