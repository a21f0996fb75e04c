import { afterEach, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { initializedProject } from "../support/cli.js";

const head = `apiVersion: orchestrator.dev/v2
kind: Workspace
metadata:
  name: w
spec:
  root_path: "."
  qa_targets: [docs/qa]
  ticket_dir: tickets
---
`;

const QA_LOOP = `${head}apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: qa-loop
spec:
  max_parallel: 2
  steps:
    - id: prepare
      command: echo preparing > prepared.txt
      repeatable: false
    - id: qa
      command: 'echo "checking {rel_path}"; case "{rel_path}" in *bad.md) [ -f fixed-marker ] && exit 0; exit 1;; *) exit 0;; esac'
    - id: fix
      command: 'echo "fixing {rel_path} in cycle {cycle}"; touch fixed-marker; for t in tickets/*.md; do sed -i "s/status: open/status: resolved/" "$t"; done'
      prehook:
        engine: cel
        when: "active_ticket_count > 0"
        reason: nothing to fix
  loop:
    mode: fixed
    max_cycles: 2
`;

describe("workflow semantics through the CLI", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("runs item steps per item, creates tickets on QA failure, skips with a reason, and settles items by the finalize rules", () => {
    p = initializedProject({ "m.yaml": QA_LOOP, "docs/qa/good.md": "# good\n", "docs/qa/bad.md": "# bad\n" });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "qa-loop"]);
    expect(r.stdout).toContain("checking docs/qa/good.md");
    expect(r.stdout).toContain("checking docs/qa/bad.md");
    expect(r.stdout).toContain("fixing docs/qa/bad.md in cycle 1");
    expect(r.stderr).toMatch(/==> step fix \[docs\/qa\/good\.md\] skipped: nothing to fix/);
    const tickets = readdirSync(join(p.dir, "tickets"));
    expect(tickets).toHaveLength(1);
    expect(readFileSync(join(p.dir, "tickets", tickets[0]!), "utf8")).toMatch(/item: "docs\/qa\/bad\.md"/);
    const run = JSON.parse(p.run(["get", "runs", "-o", "json"]).stdout).items[0];
    expect(run.status.phase).toBe("Completed");
    // The fixed loop runs its two cycles; both items settled in cycle 1 (default finalize rules), so cycle 2 has nothing to do.
    expect(run.status.cycle).toBe(2);
    expect(run.status.items).toEqual([
      { path: "docs/qa/bad.md", status: "fixed" },
      { path: "docs/qa/good.md", status: "qa_passed" },
    ]);
    const steps = run.status.steps as Array<{ id: string; item?: string; cycle: number; status: string }>;
    expect(steps.filter((s) => s.id === "prepare")).toEqual([expect.objectContaining({ cycle: 1, status: "succeeded" })]);
    expect(steps.find((s) => s.id === "qa" && s.item === "docs/qa/bad.md")).toMatchObject({ cycle: 1, status: "failed" });
    expect(readFileSync(join(p.dir, "prepared.txt"), "utf8")).toBe("preparing\n");
  });

  it("runs a non-repeatable step only in the first cycle and repeats the rest", () => {
    p = initializedProject({
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: loop
spec:
  steps:
    - id: setup
      command: echo setup >> trail.txt
      repeatable: false
    - id: work
      command: echo "work {cycle}" >> trail.txt
  loop:
    mode: fixed
    max_cycles: 3
`,
    });
    p.run(["apply", "-f", "m.yaml"]);
    expect(p.run(["run", "--workflow", "loop"]).code).toBe(0);
    expect(readFileSync(join(p.dir, "trail.txt"), "utf8")).toBe("setup\nwork 1\nwork 2\nwork 3\n");
  });

  it("captures a step's output into a pipeline variable that a later prompt and prehook use", () => {
    p = initializedProject({
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: cap
spec:
  steps:
    - id: measure
      command: >-
        echo '{"score": 42, "label": "hello"}'
      behavior:
        captures:
          - var: score
            source: stdout
            json_path: $.score
          - var: label
            source: stdout
            json_path: $.label
    - id: report
      command: echo "score={score} label={label}"
      prehook:
        engine: cel
        when: "score > 40 && label == 'hello'"
    - id: never
      command: echo should-not-run
      prehook:
        engine: cel
        when: "score < 10"
        reason: score too high
`,
    });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "cap"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("score=42 label=hello");
    expect(r.stdout).not.toContain("should-not-run");
    expect(r.stderr).toMatch(/step never skipped: score too high/);
  });

  it("--set values reach prompts and prehooks with their types inferred", () => {
    p = initializedProject({
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: vars
spec:
  steps:
    - id: show
      command: echo "retries={retries} mode={mode}"
      prehook:
        engine: cel
        when: "retries == 3 && verbose == true && ratio > 0.5"
`,
    });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "vars", "--set", "retries=3", "--set", "mode=fast", "--set", "verbose=true", "--set", "ratio=0.75"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("retries=3 mode=fast");
  });

  it("spills a value over 4096 bytes to .orchestrator/spill and offers {key_path}", () => {
    p = initializedProject({
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: spill
spec:
  steps:
    - id: show
      command: wc -c < "{big_path}"
`,
    });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "spill", "--set", `big=${"x".repeat(5000)}`]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n").pop()).toBe("5000");
    expect(readdirSync(join(p.dir, ".orchestrator/spill")).length).toBe(1);
  });

  it("gives agents env from EnvStores and SecretStores, and keeps secret values out of logs and output", () => {
    p = initializedProject({
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: EnvStore
metadata:
  name: config
spec:
  data:
    LEVEL: debug
---
apiVersion: orchestrator.dev/v2
kind: SecretStore
metadata:
  name: keys
spec:
  data:
    TOKEN: tok-9c1e55-secret
---
apiVersion: orchestrator.dev/v2
kind: Agent
metadata:
  name: envy
spec:
  capabilities: [show]
  command: echo "level=$LEVEL token=$MY_TOKEN plain=$PLAIN"
  env:
    - fromRef: config
    - name: MY_TOKEN
      refValue:
        name: keys
        key: TOKEN
    - name: PLAIN
      value: p1
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: env
spec:
  steps:
    - id: show
      required_capability: show
`,
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    expect(p.run(["check"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "env"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("level=debug token=[REDACTED] plain=p1");
    expect(r.stdout + r.stderr).not.toContain("tok-9c1e55-secret");
    const logs = readdirSync(join(p.dir, ".orchestrator/logs"), { recursive: true }) as string[];
    for (const f of logs.filter((x) => x.endsWith(".log"))) {
      expect(readFileSync(join(p.dir, ".orchestrator/logs", f), "utf8")).not.toContain("tok-9c1e55-secret");
    }
  });

  it("delivers the prompt on stdin when the agent asks for it", () => {
    p = initializedProject({
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: StepTemplate
metadata:
  name: t
spec:
  prompt: "stdin says {goal}"
---
apiVersion: orchestrator.dev/v2
kind: Agent
metadata:
  name: reader
spec:
  capabilities: [read]
  promptDelivery: stdin
  command: cat
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: stdin
spec:
  steps:
    - id: read
      required_capability: read
      template: t
`,
    });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "stdin", "--goal", "it's fine"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("stdin says it's fine");
  });
});
