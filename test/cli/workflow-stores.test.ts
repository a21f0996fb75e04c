/**
 * Steps reading and writing workflow stores, through `orchestrator run`:
 * the guide's WP01 example (a store_put post-action, store_inputs in a
 * later step and a later task), a required input that is absent failing
 * the step before it starts, store_outputs taking a field of the step's
 * JSON output, and a value the schema refuses failing the step.
 */
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

const WORKSPACE = doc("Workspace", "w", '  root_path: "."\n');
// The guide's store and steps as written; an echo agent does the implement step and shows what it read.
const GUIDE = [
  WORKSPACE,
  doc("Agent", "echo", '  capabilities: [implement]\n  command: "echo agent got: {prompt} inherited={inherited_plan}"\n'),
  doc("WorkflowStore", "context", "  backend: local\n  schema:\n    type: object\n    properties:\n      value:\n        type: string\n  retention:\n    max_entries: 1000\n    ttl_seconds: 86400\n"),
  doc(
    "Workflow",
    "wp01",
    `  steps:
    - id: plan
      scope: task
      enabled: true
      command: "echo '{\\"confidence\\":0.95}'"
      behavior:
        post_actions:
          - type: store_put
            store: context
            key: plan_result
            from_var: plan_output

    - id: implement
      scope: task
      enabled: true
      store_inputs:                # read from store before execution
        - store: context
          key: plan_result
          as_var: inherited_plan
`,
  ),
  doc(
    "Workflow",
    "reader",
    `  steps:
    - id: read
      scope: task
      command: "echo read={prev} > read.txt; cat read.txt"
      store_inputs:
        - store: context
          key: plan_result
          as_var: prev
          required: true
`,
  ),
].join("---\n");

describe("workflow stores in steps", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  const run = (workflow: string, ...extra: string[]) => p.run(["run", "--workflow", workflow, ...extra]);

  it("runs the guide's WP01 example: store_put writes the plan, store_inputs hands it to the next step and to a later task", () => {
    p = initializedProject({ "m.yaml": GUIDE });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = run("wp01", "--goal", "ship it");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('agent got: ship it inherited={"confidence":0.95}');
    expect(r.stdout).toContain("store_put: wrote 'plan_output' to store 'context' key 'plan_result'");
    const entry = JSON.parse(p.run(["store", "get", "context", "plan_result", "-o", "json"]).stdout);
    const task = JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items[0];
    expect(entry).toMatchObject({ value: { confidence: 0.95 }, taskId: task.id });
    expect(JSON.parse(p.run(["event", "list", "--type", "store_written", "-o", "json"]).stdout).items).toEqual([
      expect.objectContaining({ type: "store_written", taskId: task.id, data: expect.objectContaining({ store: "context", key: "plan_result", step: "plan" }) }),
    ]);
    // Memory across tasks: another workflow reads what the first one wrote.
    expect(run("reader").stdout).toContain('read={"confidence":0.95}');
  });

  it("fails a step whose required store input is absent, before it starts, saying which key", () => {
    p = initializedProject({ "m.yaml": GUIDE });
    p.run(["apply", "-f", "m.yaml"]);
    const r = run("reader");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "could not start: required store input 'plan_result' is not in store 'context' (project 'default'); write it first (a step's store_put, or `orchestrator store put context plan_result VALUE`)",
    );
    expect(p.run(["task", "list", "-o", "json"]).stdout).toMatch(/"reason": "StepNotStarted"/);
    // Nothing ran.
    expect(p.run(["task", "logs", JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items[0].id]).stdout).not.toContain("read=");
  });

  it("leaves an optional input's variable unset: a command's placeholder stays as written (promotion's idiom tests for that)", () => {
    p = initializedProject({ "m.yaml": GUIDE });
    p.run(["apply", "-f", "m.yaml"]);
    const r = run("wp01", "--step", "implement");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("inherited={inherited_plan}");
  });

  it("writes store_outputs from a pipeline variable or, failing one, a field of the step's JSON output", () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc(
          "Workflow",
          "out",
          `  steps:
    - id: plan
      scope: task
      command: "echo '{\\"confidence\\":0.95,\\"qa_score\\":\\"passed:98%\\",\\"bench_result\\":{\\"test_count\\":1419,\\"pass_rate\\":1.0}}'"
      behavior:
        captures:
          - var: conf
            source: stdout
            json_path: $.confidence
      store_outputs:
        - store: metrics
          key: qa_result
          from_var: qa_score
        - store: metrics
          key: confidence
          from_var: conf
        - store: benchmarks
          key: latest_run
          from_var: bench_result
`,
        ),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    expect(run("out").code).toBe(0);
    expect(p.run(["store", "get", "metrics", "qa_result"]).stdout).toBe("passed:98%\n");
    expect(p.run(["store", "get", "metrics", "confidence"]).stdout).toBe("0.95\n");
    expect(JSON.parse(p.run(["store", "get", "benchmarks", "latest_run"]).stdout)).toEqual({ test_count: 1419, pass_rate: 1 });
  });

  it("fails the step when a write cannot happen: no such variable, or a value the store's schema refuses", () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc("WorkflowStore", "strict", "  schema:\n    type: object\n    required: [score]\n"),
        doc(
          "Workflow",
          "bad",
          `  steps:
    - id: write
      scope: task
      command: "echo '{\\"other\\":1}'"
      behavior:
        post_actions:
          - type: store_put
            store: strict
            key: k
            from_var: write_output
`,
        ),
        doc(
          "Workflow",
          "missing",
          `  steps:
    - id: write
      scope: task
      command: "echo hello"
      store_outputs:
        - store: s
          key: k
          from_var: nowhere
`,
        ),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    const bad = run("bad");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("store_put: store 'strict' key 'k': the value does not match the store's schema: the value must have required property 'score'");
    expect(JSON.parse(p.run(["store", "list", "strict", "-o", "json"]).stdout)).toEqual([]);
    const missing = run("missing");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("store_outputs to store 's' key 'k': no variable 'nowhere' (and no 'nowhere' field in the step's JSON output)");
  });

  it("fills {variables} in a store_put key, so each item writes its own entry", () => {
    p = initializedProject({
      "docs/qa/a.md": "a",
      "docs/qa/b.md": "b",
      "m.yaml": [
        doc("Workspace", "w", '  root_path: "."\n  qa_targets: [docs/qa]\n'),
        doc(
          "Workflow",
          "per-item",
          `  steps:
    - id: check
      scope: item
      command: "echo checked {rel_path}"
      behavior:
        post_actions:
          - type: store_put
            store: results
            key: "result-{rel_path}"
            from_var: check_output
`,
        ),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    expect(run("per-item").code).toBe(0);
    const keys = (JSON.parse(p.run(["store", "list", "results", "-o", "json"]).stdout) as Array<{ key: string; value: string }>).map((e) => [e.key, e.value.trim()]).sort();
    expect(keys).toEqual([
      ["result-docs/qa/a.md", "checked docs/qa/a.md"],
      ["result-docs/qa/b.md", "checked docs/qa/b.md"],
    ]);
  });
});
