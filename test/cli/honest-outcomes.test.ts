/**
 * Nothing reports success for work that did not happen, through the built
 * CLI: a step that cannot start fails its item and the task, an item-scoped
 * workflow with no items fails with NoItems, a capture that finds nothing is
 * reported, and `run -o json` ends with its JSON on a line of its own.
 */
import { afterEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { initializedProject } from "../support/cli.js";
import { info } from "./task-support.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const WORKSPACE = doc("Workspace", "w", `  root_path: "."\n  qa_targets: [docs/qa]\n  ticket_dir: tickets\n`);

type Project = ReturnType<typeof initializedProject>;

/** The id of the newest task. */
const lastTask = (p: Project): string => p.run(["task", "list", "-o", "name"]).stdout.trim().split("\n").at(-1)!.replace(/^task\//, "");

/** The JSON `run -o json` prints: its last line, which must hold nothing else. */
function runJson(stdout: string): { phase: string; exitCode: number; message: string; reason?: string } {
  expect(stdout.endsWith("\n")).toBe(true);
  return JSON.parse(stdout.trimEnd().split("\n").at(-1)!);
}

describe("a step that cannot start fails its item and its task", { timeout: 120_000 }, () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  it("fails an item whose fix step has no agent, though the default rules would pass it after a clean QA", () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc("Agent", "fixer", `  capabilities: [fix]\n  command: echo fixing\n`),
        doc("Workflow", "sdlc", `  steps:\n    - id: qa\n      command: echo checked {rel_path}\n    - id: fix\n`),
      ].join("---\n"),
      "docs/qa/a.md": "# a\n",
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    // The agent goes after the workflow was accepted: the step can only find out when it starts.
    expect(p.run(["delete", "agent/fixer", "--force"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "sdlc", "-o", "json"]);
    expect(r.code).toBe(1);
    const out = runJson(r.stdout);
    expect(out).toMatchObject({ phase: "Failed", exitCode: 1, reason: "StepNotStarted" });
    expect(out.message).toContain("step fix [docs/qa/a.md] could not start: no agent has capability 'fix'");
    const id = lastTask(p);
    expect(info(p, id).items).toMatchObject([{ path: "docs/qa/a.md", status: "failed" }]);
    const fix = info(p, id).runs.find((x) => x.step === "fix")!;
    expect(fix).toMatchObject({ status: "failed" });
    expect(readFileSync(fix.logPath!, "utf8")).toContain("[orchestrator] step fix could not start: no agent has capability 'fix'");
    const run = JSON.parse(p.run(["get", "runs", "-o", "json"]).stdout).items[0];
    expect(run.status.conditions).toContainEqual(expect.objectContaining({ type: "Ready", status: "False", reason: "StepNotStarted" }));
  });

  it("fails a task whose step could not start in an earlier cycle, though a later cycle ran it; the prehook error names --set", () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc(
          "Workflow",
          "twice",
          `  steps:
    - id: gated
      scope: task
      command: echo gated ran in cycle {cycle}
      prehook:
        engine: cel
        when: "cycle > 1 || release_channel == 'beta'"
  loop:
    mode: fixed
    max_cycles: 2
`,
        ),
      ].join("---\n"),
    });
    const validate = p.run(["manifest", "validate", "-f", "m.yaml"]);
    expect(validate.code).toBe(0);
    expect(validate.stdout + validate.stderr).toContain("reads 'release_channel', which no earlier step captures and is not a built-in variable, so it must come from --set or the Task's spec.vars");
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "twice"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("gated ran in cycle 2");
    const t = info(p, lastTask(p));
    expect(t.task.phase).toBe("Failed");
    expect(t.task.message).toContain("step gated could not start: prehook of step 'gated' failed: Unknown variable: release_channel; no step has captured 'release_channel' and neither --set nor the task's spec.vars gives it");
    // Given with --set, the same workflow completes.
    const given = p.run(["run", "--workflow", "twice", "--set", "release_channel=beta"]);
    expect(given.code).toBe(0);
    expect(given.stdout).toContain("gated ran in cycle 1");
  });

  it("fails a step whose template, env store or execution profile was deleted after the workflow was applied", () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc("StepTemplate", "tpl", `  prompt: "do {goal}"\n`),
        doc("EnvStore", "settings", `  data:\n    MODE: fast\n`),
        doc("Agent", "doer", `  capabilities: [build, ship]\n  command: echo "doing {prompt} $MODE"\n  env:\n    - fromRef: settings\n`),
        doc("Workflow", "templated", `  steps:\n    - id: build\n      scope: task\n      required_capability: build\n      template: tpl\n`),
        doc("Workflow", "shipping", `  steps:\n    - id: ship\n      scope: task\n      required_capability: ship\n`),
        doc("ExecutionProfile", "host-only", `  mode: host\n`),
        doc("Workflow", "profiled", `  steps:\n    - id: build\n      scope: task\n      required_capability: build\n      execution_profile: host-only\n`),
      ].join("---\n"),
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    expect(p.run(["run", "--workflow", "templated", "--goal", "it"]).stdout).toContain("doing do it fast");
    expect(p.run(["delete", "steptemplate/tpl", "--force"]).code).toBe(0);
    const noTemplate = p.run(["run", "--workflow", "templated", "-o", "json"]);
    expect(noTemplate.code).toBe(1);
    expect(runJson(noTemplate.stdout)).toMatchObject({ phase: "Failed", reason: "StepNotStarted", message: expect.stringContaining("step template 'tpl' not found") });
    expect(p.run(["delete", "envstore/settings", "--force"]).code).toBe(0);
    const noStore = p.run(["run", "--workflow", "shipping", "-o", "json"]);
    expect(noStore.code).toBe(1);
    expect(runJson(noStore.stdout)).toMatchObject({ phase: "Failed", reason: "StepNotStarted", message: expect.stringContaining("names store 'settings', which does not exist") });
    expect(p.run(["delete", "executionprofile/host-only", "--force"]).code).toBe(0);
    const noProfile = p.run(["run", "--workflow", "profiled", "-o", "json"]);
    expect(noProfile.code).toBe(1);
    expect(runJson(noProfile.stdout)).toMatchObject({ phase: "Failed", reason: "StepNotStarted", message: expect.stringContaining("execution profile 'host-only' not found") });
  });
});

describe("a workflow with nothing to run", { timeout: 90_000 }, () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  const itemWorkflow = (name: string, extra = ""): string => doc("Workflow", name, `  steps:\n    - id: check\n      scope: item\n      command: echo checking {rel_path}\n${extra}`);

  it("fails an item-scoped workflow whose workspace yields no items with reason NoItems, unless it allows none", () => {
    p = initializedProject({
      "m.yaml": [WORKSPACE, itemWorkflow("per-item"), itemWorkflow("may-be-empty", "  allow_no_items: true\n"), doc("Workflow", "whole", `  steps:\n    - id: once\n      scope: task\n      command: echo whole task\n`)].join("---\n"),
      "docs/qa/.keep": "",
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "per-item", "-o", "json"]);
    expect(r.code).toBe(1);
    const out = runJson(r.stdout);
    expect(out).toMatchObject({ phase: "Failed", reason: "NoItems" });
    expect(out.message).toContain("workflow 'per-item' runs item-scoped steps (check) but workspace 'w' yields no items");
    expect(out.message).toContain("spec.allow_no_items: true");
    expect(p.run(["task", "info", lastTask(p)]).stdout).toMatch(/^Reason: +NoItems$/m);
    const allowed = p.run(["run", "--workflow", "may-be-empty"]);
    expect(allowed.code).toBe(0);
    // A workflow of task steps needs no items.
    expect(p.run(["run", "--workflow", "whole"]).code).toBe(0);
    // With an item, the same workflow runs it.
    p.write("docs/qa/a.md", "# a\n");
    const withItem = p.run(["run", "--workflow", "per-item"]);
    expect(withItem.code).toBe(0);
    expect(withItem.stdout).toContain("checking docs/qa/a.md");
  });

  it("refuses at apply a workflow whose steps are all disabled, with file:line, and applies nothing", () => {
    const text = [WORKSPACE, doc("Workflow", "off", `  steps:\n    - id: a\n      command: echo a\n      enabled: false\n    - id: b\n      command: echo b\n      enabled: false\n`)].join("---\n");
    p = initializedProject({ "m.yaml": text });
    const r = p.run(["apply", "-f", "m.yaml"]);
    expect(r.code).toBe(1);
    const line = text.split("\n").findIndex((l) => l.includes("- id: a")) + 1;
    expect(r.stderr).toContain(`m.yaml:${line}`);
    expect(r.stderr).toContain("spec.steps");
    expect(r.stderr).toContain("every step has enabled: false");
    expect(p.run(["get", "workspaces", "-o", "name"]).stdout).toBe("");
  });
});

describe("captures that find nothing", { timeout: 90_000 }, () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  it("are reported as a capture_missing event, a line in the step's log and in task info", () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc(
          "Workflow",
          "measure",
          `  steps:
    - id: score
      scope: task
      command: >-
        echo '{"score": 7}'
      behavior:
        captures:
          - var: score
            source: stdout
            json_path: $.score
          - var: label
            source: stdout
            json_path: $.label
`,
        ),
      ].join("---\n"),
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    expect(p.run(["run", "--workflow", "measure"]).code).toBe(0);
    const id = lastTask(p);
    const events = JSON.parse(p.run(["event", "list", "--type", "capture_missing", "-o", "json"]).stdout).items as Array<{ message: string; data: Record<string, unknown> }>;
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ step: "score", cycle: 1, problem: "capture 'label': no JSON value in the output has path '$.label'" });
    const run = info(p, id).runs[0]!;
    expect(readFileSync(run.logPath!, "utf8")).toContain("[orchestrator] capture missing: capture 'label': no JSON value in the output has path '$.label'");
    expect(p.run(["task", "info", id]).stdout).toMatch(/Captures missing \(1\):\n  cycle 1 step score \(r-[a-z0-9]+\): capture 'label': no JSON value in the output has path '\$\.label'\n/);
    const json = JSON.parse(p.run(["task", "info", id, "-o", "json"]).stdout);
    expect(json.runs[0].output).toMatchObject({ captures: { score: "7" }, capture_problems: ["capture 'label': no JSON value in the output has path '$.label'"] });
  });

  it("refuses json_path on an exit_code capture at validation, with file:line and the field path", () => {
    const text = [WORKSPACE, doc("Workflow", "bad", `  steps:\n    - id: build\n      command: make\n      behavior:\n        captures:\n          - var: code\n            source: exit_code\n            json_path: $.code\n`)].join("---\n");
    p = initializedProject({ "m.yaml": text });
    const r = p.run(["manifest", "validate", "-f", "m.yaml"]);
    expect(r.code).toBe(1);
    const line = text.split("\n").findIndex((l) => l.includes("json_path: $.code")) + 1;
    expect(r.stdout + r.stderr).toContain(`m.yaml:${line}`);
    expect(r.stdout + r.stderr).toContain("spec.steps[0].behavior.captures[0].json_path");
    expect(r.stdout + r.stderr).toContain("source 'exit_code' has none");
  });
});

describe("tickets and run output", { timeout: 90_000 }, () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  it("reads a ticket's front matter as YAML: a quoted status with a comment is resolved", () => {
    p = initializedProject({
      "m.yaml": [
        WORKSPACE,
        doc(
          "Workflow",
          "fixes",
          `  steps:
    - id: scan
      scope: item
      builtin: ticket_scan
    - id: fix
      scope: item
      command: echo fixing {rel_path}
      prehook:
        engine: cel
        when: "active_ticket_count > 0"
        reason: no open ticket
`,
        ),
      ].join("---\n"),
      "docs/qa/a.md": "# a\n",
      "docs/qa/b.md": "# b\n",
      "tickets/T-1.md": '---\nstatus: "resolved" # fixed in abc123\nitem: docs/qa/a.md\n---\n# login race\n',
      "tickets/T-2.md": "---\nstatus: open # still failing\nitem: docs/qa/b.md\n---\n# logout race\n",
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "fixes"]);
    expect(r.stderr).toContain("==> step fix [docs/qa/a.md] skipped: no open ticket");
    expect(r.stdout).toContain("fixing docs/qa/b.md");
    expect(r.stdout).not.toContain("fixing docs/qa/a.md");
  });

  it("prints run -o json as the last line on its own when the step's output did not end with a newline", () => {
    p = initializedProject({ "m.yaml": [WORKSPACE, doc("Workflow", "bare", `  steps:\n    - id: say\n      scope: task\n      command: printf 'no newline at the end'\n`)].join("---\n") });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "bare", "-o", "json"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.at(-3)).toBe("no newline at the end");
    expect(JSON.parse(lines.at(-2)!)).toMatchObject({ phase: "Completed", exitCode: 0 });
  });
});
