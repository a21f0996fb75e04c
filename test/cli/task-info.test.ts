import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { initializedProject } from "../support/cli.js";
import { Controllers, createTask, info, taskProject, waitForPhase, type Project } from "./task-support.js";

describe("orchestrator task info", { timeout: 120_000 }, () => {
  let p: Project;
  const controllers = new Controllers();
  let id: string;
  let second: string;

  beforeAll(async () => {
    p = taskProject();
    id = createTask(p, "basic", "inspect-me", ["--goal", "look closely"]);
    second = createTask(p, "basic", "second");
    p.run(["task", "start", id]);
    controllers.start(p);
    await waitForPhase(p, id, ["Completed"]);
    await controllers.stopAll();
  }, 120_000);
  afterAll(async () => {
    await controllers.stopAll();
    p?.cleanup();
  });

  it("-o json gives the task, its items, the latest run per step and every run", () => {
    const j = info(p, id);
    expect(j.task).toMatchObject({ id, name: "inspect-me", phase: "Completed", cycle: 1 });
    expect(j.items.map((i) => [i.path, i.status])).toEqual([
      ["docs/qa/a.md", "qa_passed"],
      ["docs/qa/b.md", "qa_passed"],
    ]);
    expect(j.steps.map((s) => [s.step, s.item, s.status, s.exitCode])).toEqual([
      ["plan", null, "succeeded", 0],
      ["check", "docs/qa/a.md", "succeeded", 0],
      ["check", "docs/qa/b.md", "succeeded", 0],
    ]);
    expect(j.runs).toHaveLength(3);
    expect(j.runs.every((r) => r.logPath?.includes(`/.orchestrator/logs/${id}/`))).toBe(true);
  });

  it("prints status, items, steps and runs as text", () => {
    const r = p.run(["task", "info", id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name: +inspect-me$/m);
    expect(r.stdout).toMatch(/^Phase: +Completed$/m);
    expect(r.stdout).toMatch(/^Goal: +look closely$/m);
    expect(r.stdout).toMatch(/Items \(2\):\n +ID +PATH +STATUS +FAILURES\n +i-\S+ +docs\/qa\/a\.md +qa_passed +0\n/);
    expect(r.stdout).toMatch(/Steps \(3\):\n +STEP +ITEM +STATUS/);
    expect(r.stdout).toMatch(/^ +check +docs\/qa\/b\.md +succeeded +1 +0 /m);
    expect(r.stdout).toMatch(/Runs \(3\):/);
  });

  it("-o yaml matches -o json", () => {
    expect(parse(p.run(["task", "info", id, "-o", "yaml"]).stdout)).toEqual(info(p, id));
  });

  it("finds a task by exact name and by a unique id prefix", () => {
    expect(info(p, "second").task.id).toBe(second);
    // Ids start with the creation time; the full id minus its last character is unique here.
    expect(info(p, second.slice(0, -1)).task.id).toBe(second);
  });

  it("lists the matches of an ambiguous prefix", () => {
    const r = p.run(["task", "info", "t-"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('task reference "t-" is ambiguous');
    expect(r.stderr).toContain(`${id} (default/inspect-me)`);
    expect(r.stderr).toContain(`${second} (default/second)`);
  });

  it("says how to list tasks when nothing matches", () => {
    const r = p.run(["task", "info", "no-such-task"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: no task matches "no-such-task" by id, id prefix or name; list tasks with `orchestrator task list`\n');
  });

  it("looks only in the project given", () => {
    const r = p.run(["task", "info", "second", "--project", "elsewhere"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("(in project 'elsewhere')");
  });
});

describe("orchestrator task info: step filter order", () => {
  let p: Project;
  afterAll(() => p?.cleanup());

  it("shows a --step filter in workflow order, whatever order the flags came in", () => {
    p = taskProject();
    const id = createTask(p, "traced", "filtered", ["--step", "slow", "--step", "ok", "--step", "bad"]);
    expect(p.run(["task", "info", id]).stdout).toMatch(/^Steps: +ok, bad, slow$/m);
    expect((info(p, id).task as unknown as { spec: { steps: string[] } }).spec.steps).toEqual(["ok", "bad", "slow"]);
    const listed = JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items as Array<{ spec: { steps: string[] } }>;
    expect(listed[0]!.spec.steps).toEqual(["ok", "bad", "slow"]);
  });
});

const SECRET = "hunter2-secret-xyz";
const REPORTING = `apiVersion: orchestrator.dev/v2
kind: Workspace
metadata:
  name: w
spec:
  root_path: "."
  qa_targets: []
---
apiVersion: orchestrator.dev/v2
kind: SecretStore
metadata:
  name: vault
spec:
  data:
    TOKEN: "${SECRET}"
---
apiVersion: orchestrator.dev/v2
kind: StepTemplate
metadata:
  name: say
spec:
  prompt: "{goal}"
---
apiVersion: orchestrator.dev/v2
kind: Agent
metadata:
  name: reporter
spec:
  capabilities: [report]
  command: sh report.sh
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: reporting
spec:
  steps:
    - id: report
      scope: task
      required_capability: report
      template: say
      behavior:
        captures:
          - var: summary
            source: stdout
            json_path: $.summary
    - id: later
      scope: task
      command: echo later
      prehook:
        engine: cel
        when: "false"
        reason: not needed today
`;

// The agent prints a secret it was never given: the engine cannot know to redact it as it streams.
const REPORT_SH = `printf '%s\\n' '{"confidence": 0.8, "quality_score": 0.9, "artifacts": [{"kind": "analysis", "note": "saw ${SECRET}"}], "summary": "all good ${SECRET}"}'
`;

interface RunWithOutput {
  step: string;
  agent: string | null;
  status: string;
  reason: string | null;
  output: Record<string, unknown> | null;
}

describe("orchestrator task info: agents, reasons and parsed output", { timeout: 120_000 }, () => {
  let p: ReturnType<typeof initializedProject>;
  let id: string;

  beforeAll(() => {
    p = initializedProject({ "m.yaml": REPORTING, "report.sh": REPORT_SH });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "reporting", "-o", "json"]);
    expect(r.code).toBe(0);
    id = (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { id: string }).id;
  });
  afterAll(() => p?.cleanup());

  it("the Runs table has AGENT, PROFILE and REASON columns", () => {
    const out = p.run(["task", "info", id]).stdout;
    const runs = out.slice(out.indexOf("Runs (2):"));
    expect(runs.split("\n")[1]!.trim().split(/\s{2,}/)).toEqual(["ID", "CYCLE", "STEP", "ITEM", "STATUS", "EXIT", "DURATION", "STARTED", "AGENT", "PROFILE", "REASON"]);
    expect(runs).toMatch(/ report +succeeded +0 +\S+ +\S+Z +reporter\n/);
    expect(runs).toMatch(/ later +skipped +\S+ +\S+Z +not needed today\n/);
  });

  it("-o json shows each run's parsed output, with secret values redacted", () => {
    const r = p.run(["task", "info", id, "-o", "json"]);
    expect(r.stdout).not.toContain(SECRET);
    const runs = (JSON.parse(r.stdout) as { runs: RunWithOutput[] }).runs;
    expect(runs[0]).toMatchObject({ step: "report", agent: "reporter", status: "succeeded" });
    expect(runs[0]!.output).toEqual({
      artifacts: [{ kind: "analysis", note: "saw [REDACTED]" }],
      confidence: 0.8,
      quality_score: 0.9,
      captures: { summary: "all good [REDACTED]" },
    });
    expect(runs[1]).toMatchObject({ step: "later", status: "skipped", reason: "not needed today", output: null });
    expect(parse(p.run(["task", "info", id, "-o", "yaml"]).stdout)).toEqual(JSON.parse(r.stdout));
  });

  it("task trace --json shows the same parsed output", () => {
    const r = p.run(["task", "trace", id, "--json"]);
    expect(r.stdout).not.toContain(SECRET);
    const trace = JSON.parse(r.stdout) as { cycles: Array<{ runs: Array<{ step: string; output: unknown }> }> };
    const runs = trace.cycles.flatMap((c) => c.runs);
    expect(runs.find((x) => x.step === "report")!.output).toMatchObject({ confidence: 0.8, captures: { summary: "all good [REDACTED]" } });
  });
});
