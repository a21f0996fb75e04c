import { afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, initializedProject } from "../support/cli.js";

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


/** No step log under the project's `.orchestrator/logs` contains `text`. */
function expectNoStepLogHolds(dir: string, text: string): void {
  const logs = readdirSync(join(dir, ".orchestrator/logs"), { recursive: true }) as string[];
  for (const f of logs.filter((x) => x.endsWith(".log"))) expect(readFileSync(join(dir, ".orchestrator/logs", f), "utf8")).not.toContain(text);
}
const ODD_TICKETS = `${head}apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: odd-tickets
spec:
  steps:
    - id: qa
      command: exit 1
      behavior:
        post_actions:
          - type: create_ticket
    - id: fix
      command: echo fixing
      prehook:
        engine: cel
        when: "active_ticket_count == 1"
        reason: the item does not have exactly one open ticket
`;

describe("workflow semantics through the CLI", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("matches each ticket to its item when the item's path holds a quote or a newline", () => {
    const items = ["docs/qa/plain.md", `docs/qa/it's "quoted".md`, "docs/qa/two\nlines.md"];
    p = initializedProject({ "m.yaml": ODD_TICKETS, ...Object.fromEntries(items.map((i) => [i, "# item\n"])) });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    p.run(["run", "--workflow", "odd-tickets"]);
    expect(readdirSync(join(p.dir, "tickets"))).toHaveLength(3);
    const run = JSON.parse(p.run(["get", "runs", "-o", "json"]).stdout).items[0];
    const fix = (run.status.steps as Array<{ id: string; item?: string; status: string; reason?: string }>).filter((s) => s.id === "fix");
    expect(fix.map((s) => [s.item, s.status]).sort()).toEqual(items.map((i) => [i, "succeeded"]).sort());
  });

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
    expectNoStepLogHolds(p.dir, "tok-9c1e55-secret");
  });

  it("redacts every secret of the project from logs, events and task info, even one the step was never given", () => {
    p = initializedProject({
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: SecretStore
metadata:
  name: keys
spec:
  data:
    TOKEN: tok-77d0aa-secret
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: leak
spec:
  steps:
    - id: leak
      command: "echo found tok-77d0aa-secret in a file"
`,
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "leak"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("found [REDACTED] in a file");
    const seen = [r.stdout, r.stderr, p.run(["event", "list", "-o", "json"]).stdout, p.run(["task", "list", "-o", "json"]).stdout];
    const id = (JSON.parse(seen[3]!).items as { id: string }[])[0]!.id;
    seen.push(p.run(["task", "info", id, "-o", "json"]).stdout, p.run(["task", "logs", id]).stdout, p.run(["task", "trace", id, "--json"]).stdout);
    for (const text of seen) expect(text).not.toContain("tok-77d0aa-secret");
    expectNoStepLogHolds(p.dir, "tok-77d0aa-secret");
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

  /** The newest task's `task info -o json`. */
  const latestInfo = (): {
    phase: string;
    items: Array<{ path: string; status: string; failures: number }>;
    runs: Array<{ id: string; step: string; itemId: string | null; status: string; agent: string | null; pid: number | null; pgid: number | null; durationMs: number; startedAt: string; finishedAt: string }>;
    task: { id: string; phase: string; message: string };
  } => {
    const tasks = JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items as Array<{ id: string }>;
    const info = JSON.parse(p.run(["task", "info", tasks[tasks.length - 1]!.id, "-o", "json"]).stdout);
    return { ...info, phase: info.task?.phase ?? info.phase };
  };

  it("chooses agents from recorded history per capability: a generalist that failed at it gives way to a specialist", () => {
    p = initializedProject({
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: Agent
metadata:
  name: aa-generalist
spec:
  capabilities: [capx, capy]
  command: 'case "{prompt}" in *YYY*) echo "generalist failed"; exit 1;; esac; echo "generalist did it"'
  metadata:
    cost: 50
---
apiVersion: orchestrator.dev/v2
kind: Agent
metadata:
  name: zz-specialist
spec:
  capabilities: [capy]
  command: echo "specialist did it"
  metadata:
    cost: 50
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: wx
spec:
  steps:
    - id: x
      required_capability: capx
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: wy
spec:
  steps:
    - id: y
      required_capability: capy
`,
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    for (let i = 0; i < 2; i++) expect(p.run(["run", "--workflow", "wx", "--goal", "plain"]).stdout).toContain("generalist did it");
    const picks = [0, 1, 2].map(() => {
      const out = p.run(["run", "--workflow", "wy", "--goal", "YYY"]).stdout;
      return out.includes("specialist did it") ? "specialist" : out.includes("generalist failed") ? "generalist" : "?";
    });
    // First capy run: no capy history, the overall 100% stands in (62.5 vs 35). After one failure: 12.5 vs 35.
    expect(picks).toEqual(["generalist", "specialist", "specialist"]);
  });

  it("item_select keeps the item with the best captured score and eliminates the rest", () => {
    p = initializedProject({
      "docs/qa/a.md": "a",
      "docs/qa/b.md": "b",
      "docs/qa/c.md": "c",
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: pick
spec:
  steps:
    - id: evaluate
      scope: item
      command: 'case "{rel_path}" in *a.md) echo 5;; *b.md) echo 9;; *) echo 2;; esac'
      behavior:
        captures:
          - var: score
            source: stdout
    - id: select
      builtin: item_select
      item_select_config:
        strategy: max
        metric_var: score
    - id: report
      command: 'echo "winner={item_select_winner_path} score={score}"'
    - id: per_item
      scope: item
      command: 'echo "still running {rel_path}"'
`,
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "pick"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("winner=docs/qa/b.md score=9");
    expect(r.stdout).toContain("still running docs/qa/b.md");
    expect(r.stdout).not.toMatch(/still running docs\/qa\/[ac]\.md/);
    expect(latestInfo().items.map((i) => [i.path, i.status])).toEqual([
      ["docs/qa/a.md", "eliminated"],
      ["docs/qa/b.md", "qa_passed"],
      ["docs/qa/c.md", "eliminated"],
    ]);
  });

  it("gives {diff} and {diff_path} of a workspace that is a subdirectory of a git repository", () => {
    const repo = mkdtempSync(join(tmpdir(), "orch-diff-"));
    try {
      const git = (...args: string[]): void => {
        const g = spawnSync("git", ["-C", repo, ...args], { encoding: "utf8" });
        expect(g.status, g.stderr).toBe(0);
      };
      git("init", "-q");
      git("config", "user.email", "t@example.com");
      git("config", "user.name", "t");
      for (const f of ["ws/inside.txt", "elsewhere/outside.txt"]) {
        mkdirSync(join(repo, f, ".."), { recursive: true });
        writeFileSync(join(repo, f), "before\n");
      }
      git("add", ".");
      git("commit", "-qm", "base");
      writeFileSync(join(repo, "ws/inside.txt"), "after\n");
      writeFileSync(join(repo, "elsewhere/outside.txt"), "after\n");
      const ws = join(repo, "ws");
      const run = (args: string[]) => cli(args, { cwd: ws });
      expect(run(["init"]).code).toBe(0);
      writeFileSync(
        join(ws, "m.yaml"),
        `${head}apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: d
spec:
  steps:
    - id: inline
      command: 'printf "%s\\n" "{diff}" > inline.out'
    - id: by_path
      command: 'cp "{diff_path}" path.out'
`,
      );
      expect(run(["apply", "-f", "m.yaml"]).code).toBe(0);
      expect(run(["run", "--workflow", "d"]).code).toBe(0);
      const inline = readFileSync(join(ws, "inline.out"), "utf8");
      expect(inline).toContain("+++ b/inside.txt");
      expect(inline).toContain("+after");
      expect(inline).not.toContain("outside.txt");
      // {diff_path} works in a step whose text never mentions {diff}.
      expect(readFileSync(join(ws, "path.out"), "utf8")).toBe(inline.replace(/\n$/, ""));
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it("refuses items that are links out of the workspace, and qa_targets outside it before creating anything", () => {
    const outside = mkdtempSync(join(tmpdir(), "orch-outside-"));
    try {
      writeFileSync(join(outside, "secret.md"), "secret");
      p = initializedProject({
        "m.yaml": `${head.replace("qa_targets: [docs/qa]", "qa_targets: [docs/qa, ../outdir]")}apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: one
spec:
  steps:
    - id: s
      command: echo hi
`,
      });
      // A path that leaves the root as written is refused when applied.
      const applied = p.run(["apply", "-f", "m.yaml"]);
      expect(applied.code).toBe(1);
      expect(applied.stderr).toMatch(/workspace\/w: spec\.qa_targets\[1\]: qa target '\.\.\/outdir' is outside the workspace root '\.' \(m\.yaml:\d+:\d+\)/);
      expect(p.run(["get", "tasks", "-o", "name"]).stdout + p.run(["get", "runs", "-o", "name"]).stdout).toBe("");

      // A link to a directory outside, as a qa target; a link to a file outside, as a target file.
      writeFileSync(join(p.dir, "m.yaml"), readFileSync(join(p.dir, "m.yaml"), "utf8").replace("../outdir", "ext"));
      expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
      symlinkSync(outside, join(p.dir, "ext"));
      expect(p.run(["run", "--workflow", "one"]).stderr).toMatch(/qa target 'ext' \(spec\.qa_targets\) is outside the workspace root/);
      writeFileSync(join(p.dir, "m.yaml"), readFileSync(join(p.dir, "m.yaml"), "utf8").replace(", ext]", "]"));
      expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
      symlinkSync(join(outside, "secret.md"), join(p.dir, "link.md"));
      const r = p.run(["run", "--workflow", "one", "--target-file", "link.md"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/target file 'link\.md' is outside the workspace root/);
      expect(p.run(["get", "runs", "-o", "name"]).stdout).toBe("");
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("keeps a status a step sets on failure, counts item failures, fails the task for it, and runs init_once once", () => {
    p = initializedProject({
      "docs/qa/a.md": "a",
      "docs/qa/b.md": "b",
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: er
spec:
  steps:
    - id: init_once
      command: echo init >> trail.txt
    - id: check
      command: 'case "{rel_path}" in *a.md) exit 3;; esac; echo fine'
      scope: item
      behavior:
        on_failure:
          action: early_return
          status: blocked
    - id: after
      scope: item
      command: echo "after {rel_path} {cycle}" >> trail.txt
    - id: repeat
      command: echo "cycle {cycle}" >> trail.txt
  loop:
    mode: fixed
    max_cycles: 2
`,
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    expect(p.run(["run", "--workflow", "er"]).code).toBe(1);
    // init_once in cycle 1 only; the blocked item stops early and waits (no cycle 2 for it).
    expect(readFileSync(join(p.dir, "trail.txt"), "utf8")).toBe("init\nafter docs/qa/b.md 1\ncycle 1\ncycle 2\n");
    const info = latestInfo();
    expect(info.phase).toBe("Failed");
    expect(info.items.map((i) => [i.path, i.status, i.failures])).toEqual([
      ["docs/qa/a.md", "blocked", 1],
      ["docs/qa/b.md", "qa_passed", 0],
    ]);
  });

  it("a task step returning early skips the rest of the cycle and gives every item its status", () => {
    p = initializedProject({
      "docs/qa/a.md": "a",
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: te
spec:
  steps:
    - id: build
      command: exit 2
      behavior:
        on_failure:
          action: early_return
          status: failed
    - id: later_task
      command: echo never-task
    - id: later_item
      scope: item
      command: echo never-item
`,
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "te"]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/never-(task|item)/);
    expect(r.stderr).toContain("step later_item [docs/qa/a.md] skipped: task step 'build' returned early");
    const info = latestInfo();
    expect(info.items.map((i) => i.status)).toEqual(["failed"]);
    expect(info.runs.map((x) => [x.step, x.status])).toEqual([
      ["build", "failed"],
      ["later_task", "skipped"],
      ["later_item", "skipped"],
    ]);
  });

  it("fails a task whose item steps all failed: the items end unresolved, not passed", () => {
    p = initializedProject({
      "docs/qa/a.md": "a",
      "docs/qa/b.md": "b",
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: lint
spec:
  steps:
    - id: lint
      scope: item
      command: exit 1
`,
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "lint"]);
    expect(r.code).toBe(1);
    const info = latestInfo();
    expect(info.phase).toBe("Failed");
    expect(info.items.map((i) => [i.status, i.failures])).toEqual([
      ["unresolved", 1],
      ["unresolved", 1],
    ]);
  });

  it("records runs with one clock, no process ids once finished, and their parsed output in run_result events", () => {
    p = initializedProject({
      "m.yaml": `${head}apiVersion: orchestrator.dev/v2
kind: Agent
metadata:
  name: reporter
spec:
  capabilities: [report]
  command: >-
    echo '{"confidence": 0.75, "quality_score": 0.5, "artifacts": [{"kind": "analysis", "title": "t"}], "score": 7}'
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: rep
spec:
  steps:
    - id: report
      required_capability: report
      behavior:
        captures:
          - var: score
            source: stdout
            json_path: $.score
`,
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    expect(p.run(["run", "--workflow", "rep"]).code).toBe(0);
    const [run] = latestInfo().runs;
    expect(run).toMatchObject({ status: "succeeded", agent: "reporter", pid: null, pgid: null });
    expect(run!.durationMs).toBe(Date.parse(run!.finishedAt) - Date.parse(run!.startedAt));
    const events = JSON.parse(p.run(["event", "list", "--type", "run_result", "-o", "json"]).stdout).items as Array<{ runId: string; data: Record<string, unknown> }>;
    expect(events.find((e) => e.runId === run!.id)?.data).toMatchObject({
      durationMs: run!.durationMs,
      output: { confidence: 0.75, quality_score: 0.5, artifacts: [{ kind: "analysis", title: "t" }], captures: { score: "7" } },
    });
  });
});
