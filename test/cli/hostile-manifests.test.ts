/**
 * Hostile manifests through the built CLI: files that are not files, YAML
 * bombs, catastrophic regular expressions, runaway CEL, secrets beside
 * `data`, paths that escape, placeholders a shell would evaluate, NUL bytes.
 * Each must end in an ordinary error at file:line (or a warning), promptly,
 * with nothing applied and nothing run. The same for what reaches a running
 * controller: a NUL byte in a trigger's payload or a webhook body, a step
 * whose start fails with a secret in the error, a prehook or finalize rule
 * past its CEL budget. Fixtures: test/fixtures/hostile/;
 * what cannot be committed (FIFOs, sockets, device links) is made here.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, initializedProject, REPO_ROOT } from "../support/cli.js";
import { startController, tail, taskPhases, until, type RunningController } from "../support/controller.js";

const HOSTILE = join(REPO_ROOT, "test/fixtures/hostile");
const agent = (name: string, command = "echo hi") => `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\nspec:\n  capabilities: [x]\n  command: ${command}\n`;

type Project = ReturnType<typeof initializedProject>;

/** A manifests/ folder holding a good agent and every kind of file that is not a regular file. */
async function notRegularFiles(p: Project): Promise<{ server: Server }> {
  p.write("manifests/good.yaml", agent("good"));
  const m = join(p.dir, "manifests");
  execFileSync("mkfifo", [join(m, "fifo.yaml")]);
  symlinkSync("/dev/zero", join(m, "zero.yaml"));
  symlinkSync("loop.yaml", join(m, "loop.yaml"));
  symlinkSync("nowhere.yaml", join(m, "dangling.yaml"));
  const server = createServer();
  await new Promise<void>((r) => server.listen(join(m, "socket.yaml"), r));
  return { server };
}

const NOT_REGULAR = [
  /'manifests\/fifo\.yaml' is a FIFO \(named pipe\), not a regular file/,
  /'manifests\/zero\.yaml' \(a symbolic link to \/dev\/zero\) is a character device, not a regular file/,
  /'manifests\/loop\.yaml' is a symbolic link loop \(ELOOP\)/,
  /'manifests\/dangling\.yaml' is a symbolic link to nowhere\.yaml, which does not exist/,
  /'manifests\/socket\.yaml' is a socket, not a regular file/,
];
/** The same, with paths relative to the source root (as sources show them). */
const NOT_REGULAR_IN_SOURCE = NOT_REGULAR.map((r) => new RegExp(r.source.replace("manifests\\/", "")));

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  expect(text).not.toMatch(/ReferenceError|RangeError|Maximum call stack/);
}

describe("files that are not regular files", () => {
  let p: Project | undefined;
  let server: Server | undefined;
  let controller: RunningController | undefined;
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    server?.close();
    p?.cleanup();
  });

  it("manifest validate, apply and diff -f name each one and read none of them; nothing is applied", async () => {
    p = initializedProject();
    ({ server } = await notRegularFiles(p));
    for (const args of [["manifest", "validate", "-f", "manifests"], ["apply", "-f", "manifests"], ["diff", "-f", "manifests"]]) {
      const r = p.run(args, { timeoutMs: 60_000 });
      expect(r.code, args.join(" ")).toBe(args[0] === "diff" ? 2 : 1);
      for (const re of NOT_REGULAR) expect(r.stderr + r.stdout, args.join(" ")).toMatch(re);
      noStackTrace(r.stderr);
    }
    expect(JSON.parse(p.run(["get", "agents", "-o", "json"]).stdout).items).toEqual([]);
  }, 120_000);

  it("sync and watch report each one as a source error; the source is not Ready", async () => {
    p = initializedProject();
    ({ server } = await notRegularFiles(p));
    const watch = spawn(process.execPath, [CLI, "watch"], { cwd: p.dir, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    watch.stdout!.on("data", (d) => (out += d));
    watch.stderr!.on("data", (d) => (out += d));
    try {
      await until("watch to report the files", () => NOT_REGULAR_IN_SOURCE.every((re) => re.test(out)), 30_000, () => watch.exitCode !== null && `watch exited ${watch.exitCode}:\n${out}`, () => `watch output: ${tail(out)}`);
    } finally {
      const exited = new Promise((res) => watch.once("exit", res));
      watch.kill("SIGINT");
      await exited;
    }
    expect(watch.exitCode).toBe(0);

    // sync reads the same revision: it is still not Ready, with every file named.
    const r = p.run(["sync"], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    const status = JSON.parse(p.run(["source", "status", "default", "-o", "json"]).stdout);
    expect(status.status.conditions.find((c: { type: string }) => c.type === "Ready")).toMatchObject({ status: "False", reason: "ValidationFailed" });
    const errors = (status.status.errors as string[]).join("\n");
    for (const re of NOT_REGULAR_IN_SOURCE) expect(errors).toMatch(re);
  }, 120_000);

  it("the controller reports them, applies nothing of the set, and stops on SIGTERM", async () => {
    p = initializedProject();
    ({ server } = await notRegularFiles(p));
    controller = await startController(p.dir);
    await until("the source to fail validation", () => /ValidationFailed/.test(p!.run(["source", "list"]).stdout), 30_000, undefined, () => `source list: ${p!.run(["source", "list"]).stdout}`);
    const errors = (JSON.parse(p.run(["source", "status", "default", "-o", "json"]).stdout).status.errors as string[]).join("\n");
    for (const re of NOT_REGULAR_IN_SOURCE) expect(errors).toMatch(re);
    expect(JSON.parse(p.run(["get", "agents", "-o", "json"]).stdout).items).toEqual([]);
    expect(await controller.stop()).toBe(0);
    controller = undefined;
  }, 120_000);

  it("the controller runs steps while it validates a set whose CEL rules run to their budget", async () => {
    p = initializedProject({
      "ws.yaml": "apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: ws\nspec:\n  root_path: \".\"\n",
      "wf.yaml": "apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: wf\nspec:\n  steps:\n    - id: s\n      command: echo step-ran\n",
    });
    expect(p.run(["apply", "-f", "ws.yaml", "-f", "wf.yaml"]).code).toBe(0);
    // Fifteen kinds whose rules (each its own) run for their whole budget: fifteen seconds of validation.
    const [crd, instance] = readFileSync(join(HOSTILE, "cel-budget.yaml"), "utf8").split(/^---\n/m) as [string, string];
    const kinds = Array.from({ length: 15 }, (_, i) => [
      crd.replaceAll("grids.example.com", `grids${i}.example.com`).replace("kind: Grid", `kind: Grid${i}`).replace("plural: grids", `plural: grids${i}`).replace(">= 0", `>= -${i}`),
      instance.replace("kind: Grid", `kind: Grid${i}`),
    ]);
    p.write("manifests/grids.yaml", kinds.flat().join("---\n"));
    controller = await startController(p.dir);
    const reconciling = () => JSON.parse(p!.run(["source", "status", "default", "-o", "json"]).stdout).status.conditions.some((c: { type: string; status: string }) => c.type === "Reconciling" && c.status === "True");
    const sourceStatus = () => tail(p!.run(["source", "status", "default", "-o", "json"]).stdout);
    await until("the pass over the grids to start", reconciling, 30_000, undefined, () => `source status: ${sourceStatus()}`);
    const created = p.run(["task", "create", "--workflow", "wf", "--goal", "g"]);
    expect(created.code, created.stderr).toBe(0);
    await until("the task to finish", () => /task \S+ completed/.test(controller!.log()), 60_000, undefined, () => `controller log: ${tail(controller!.log())}`);
    // The step ran while the pass was still validating.
    expect(reconciling()).toBe(true);
    await until("the pass to end", () => /ValidationFailed/.test(controller!.log()), 120_000, undefined, () => `controller log: ${tail(controller!.log())}`);
    expect(await controller.stop()).toBe(0);
    controller = undefined;
  }, 240_000);

  it("a symbolic link loop given to -f is reported as a loop, not as missing", () => {
    p = initializedProject();
    symlinkSync("self.yaml", join(p.dir, "self.yaml"));
    const r = p.run(["manifest", "validate", "-f", "self.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("path 'self.yaml' is a symbolic link loop (ELOOP)");
    expect(r.stderr).not.toContain("does not exist");
  });

  it("a file over 64 MiB, and stdin from /dev/zero, are refused by size without being read whole", () => {
    p = initializedProject();
    const big = join(p.dir, "big.yaml");
    writeFileSync(big, "");
    truncateSync(big, 65 * 1024 * 1024); // sparse: no disk is used
    const r = p.run(["apply", "-f", "big.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("'big.yaml' is 65 MiB, over the limit of 64 MiB for one manifest file");

    const zero = openSync("/dev/zero", "r");
    try {
      const s = spawnSync(process.execPath, [CLI, "manifest", "validate", "-f", "-"], { cwd: p.dir, stdio: [zero, "pipe", "pipe"], encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1" } });
      expect(s.status).toBe(1);
      expect(s.stderr).toContain("'<stdin>' is more than 64 MiB, the limit for one manifest file");
    } finally {
      closeSync(zero);
    }
  });
});

describe("YAML bombs and deep nesting", () => {
  let p: Project | undefined;
  let controller: RunningController | undefined;
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    p?.cleanup();
  });

  it("an alias bomb is an error at the first alias, in validate, sync and the controller: the source is not Ready, never Reconciling for ever", async () => {
    p = initializedProject();
    const v = p.run(["manifest", "validate", "-f", join(HOSTILE, "alias-bomb.yaml")]);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/error: the aliases of this document expand into more than 1000 nodes \(an alias bomb\?\); the first alias is here \(.*alias-bomb\.yaml:11:14\)/);
    noStackTrace(v.stderr);

    mkdirSync(join(p.dir, "manifests"), { recursive: true });
    copyFileSync(join(HOSTILE, "alias-bomb.yaml"), join(p.dir, "manifests/bomb.yaml"));
    expect(p.run(["sync"]).code).toBe(1);
    const ready = () => JSON.parse(p!.run(["source", "status", "default", "-o", "json"]).stdout).status.conditions.find((c: { type: string }) => c.type === "Ready");
    expect(ready()).toMatchObject({ status: "False", reason: "ValidationFailed" });

    // The controller reads the same source: a new revision (one more file) is judged the same way.
    p.write("manifests/other.yaml", agent("other"));
    controller = await startController(p.dir);
    await until("the controller's pass over the new revision", () => /bomb\.yaml:11:14/.test(JSON.stringify(JSON.parse(p!.run(["source", "status", "default", "-o", "json"]).stdout).status.errors)) && /ValidationFailed/.test(controller!.log()), 30_000, undefined, () => `source status: ${tail(p!.run(["source", "status", "default", "-o", "json"]).stdout)}; controller log: ${tail(controller!.log())}`);
    expect(ready()).toMatchObject({ status: "False", reason: "ValidationFailed" });
    noStackTrace(controller.log());
  }, 120_000);

  it("nesting past 100 levels names the limit and where it is passed", () => {
    p = initializedProject();
    const r = p.run(["manifest", "validate", "-f", join(HOSTILE, "deep-nesting.yaml")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mappings and lists nest more than 100 levels deep; the level past the limit starts here \(.*deep-nesting\.yaml:9:\d+\)/);
    noStackTrace(r.stderr);
  });
});

describe("regular expressions and CEL from manifests", () => {
  let p: Project | undefined;
  afterEach(() => p?.cleanup());

  it("a catastrophic pattern and matches() are decided at once by a linear-time engine", () => {
    p = initializedProject();
    // With a backtracking engine, ^(a+)+$ against forty a's and a b would take hours.
    const r = p.run(["manifest", "validate", "-f", join(HOSTILE, "redos-pattern.yaml")], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/probe\/by-pattern: spec\.name: must match pattern .*redos-pattern\.yaml:31:9/);
    expect(r.stderr).toMatch(/probe\/all-a: spec: label must not be all a's .*redos-pattern\.yaml:45:3/);
    expect(r.stderr).not.toContain("probe/by-rule");
  });

  it("a CEL rule that runs past its budget is an error at its document, not a stall", () => {
    p = initializedProject();
    const r = p.run(["manifest", "validate", "-f", join(HOSTILE, "cel-budget.yaml")], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/grid\/big: spec: sums are positive \(rule .* could not be evaluated: the expression ran longer than its budget of 1000 ms and was stopped\) \(.*cel-budget\.yaml:28:3\)/);
  });

  it("comprehensions nested past the limit are refused when applied", () => {
    p = initializedProject({
      "deep.yaml": "apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: w\nspec:\n  steps:\n    - id: s\n      command: echo\n      prehook:\n        engine: cel\n        when: \"[1].all(a, [1].all(b, [1].all(c, [1].all(d, true))))\"\n",
    });
    const r = p.run(["apply", "-f", "deep.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/comprehensions .* nest 4 deep; at most 3 are allowed .*deep\.yaml:11:15/);
  });
});

describe("secrets and paths", () => {
  let p: Project | undefined;
  afterEach(() => p?.cleanup());

  it("a value beside a SecretStore's data is refused and never printed, stored or shown by diff", () => {
    p = initializedProject({ "s.yaml": readFileSync(join(HOSTILE, "secret-beside-data.yaml"), "utf8") });
    const r = p.run(["apply", "-f", "s.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: secretstore\/api: spec\.TOKEN: unknown field 'TOKEN' \(s\.yaml:9:10\)/);
    for (const args of [["diff", "-f", "s.yaml"], ["diff", "-f", "s.yaml", "-o", "markdown"], ["diff", "-f", "s.yaml", "-o", "json"], ["manifest", "validate", "-f", "s.yaml", "-o", "json"]]) {
      const d = p.run(args);
      expect(d.stdout + d.stderr, args.join(" ")).not.toMatch(/tok-beside-data-5678|tok-in-data-1234/);
    }
    expect(p.run(["get", "secretstore", "api"]).code).not.toBe(0);
    expect(readFileSync(join(p.dir, ".orchestrator/state.db")).includes("tok-beside-data-5678")).toBe(false);
  });

  it("step ids that are not names, and a ticket_dir outside the workspace, are refused at apply", () => {
    p = initializedProject();
    const steps = p.run(["apply", "-f", join(HOSTILE, "step-id-path.yaml")]);
    expect(steps.code).toBe(1);
    expect(steps.stderr).toMatch(/spec\.steps\[0\]\.id: step id '\.\.\/\.\.\/outside' contains '\.\.' \(.*step-id-path\.yaml:8:11\)/);
    expect(steps.stderr).toMatch(/spec\.steps\[1\]\.id: step id 'a\/b' contains "\/".*step-id-path\.yaml:10:11/);
    const tickets = p.run(["apply", "-f", join(HOSTILE, "ticket-dir-outside.yaml")]);
    expect(tickets.code).toBe(1);
    expect(tickets.stderr).toMatch(/spec\.ticket_dir: ticket_dir '\.\.\/\.\.\/tmp\/tickets' is outside the workspace root '\.' \(.*ticket-dir-outside\.yaml:8:15\)/);
    expect(JSON.parse(p.run(["get", "workflows", "-o", "json"]).stdout).items).toEqual([]);
  });

  it("a ticket_dir that links outside the workspace is refused when a task is submitted", () => {
    p = initializedProject({
      "ws.yaml": "apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: ws\nspec:\n  root_path: \".\"\n  ticket_dir: tickets\n",
      "wf.yaml": "apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: wf\nspec:\n  steps:\n    - id: s\n      command: echo hi\n",
    });
    symlinkSync("/tmp", join(p.dir, "tickets"));
    expect(p.run(["apply", "-f", "ws.yaml", "-f", "wf.yaml"]).code).toBe(0);
    const r = p.run(["task", "create", "--workflow", "wf", "--goal", "g"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("ticket_dir 'tickets' is outside the workspace root");
  });

  it("a step that cannot start records a bounded excerpt of the error, never the whole prompt", () => {
    // A NUL byte captured from one step's output reaches the next step's prompt, delivered in the environment.
    p = initializedProject({
      "m.yaml": [
        "apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: ws\nspec:\n  root_path: \".\"\n",
        "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: envagent\nspec:\n  capabilities: [speak]\n  promptDelivery: env\n  command: echo agent-ran\n",
        "apiVersion: orchestrator.dev/v2\nkind: StepTemplate\nmetadata:\n  name: talk\nspec:\n  prompt: \"Goal {goal} with {blob}\"\n",
        "apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: wf\nspec:\n  steps:\n    - id: emit\n      command: printf 'x\\0y'\n      behavior:\n        captures:\n          - var: blob\n            source: stdout\n    - id: speak\n      required_capability: speak\n      template: talk\n",
      ].join("---\n"),
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const goal = "G".repeat(3000);
    const r = p.run(["run", "--workflow", "wf", "--goal", goal], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain("step speak could not start");
    const longest = (text: string) => Math.max(0, ...(text.match(/G+/g) ?? []).map((g) => g.length));
    const events = p.run(["event", "list", "-o", "json"]).stdout;
    expect(events).toContain("could not start");
    const status = readFileSync(join(p.dir, ".orchestrator/status/default/run", readdirSync(join(p.dir, ".orchestrator/status/default/run"))[0]!), "utf8");
    for (const [where, text] of [["run output", r.stdout + r.stderr], ["events", events], ["status file", status]] as const) {
      expect(longest(text), where).toBeGreaterThan(0);
      expect(longest(text), where).toBeLessThan(300);
    }
  }, 120_000);

  it("a NUL byte in a Task's goal or variables is refused at apply", () => {
    p = initializedProject();
    const r = p.run(["apply", "-f", join(HOSTILE, "nul-goal.yaml")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/task\/nul: spec\.goal: the goal contains a NUL byte \(.*nul-goal\.yaml:8:9\)/);
    expect(r.stderr).toMatch(/task\/nul: spec\.vars\.who: variable 'who' contains a NUL byte/);
  });
});

describe("a NUL byte submitted by other paths than a Task manifest", () => {
  let p: Project | undefined;
  let controller: RunningController | undefined;
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    p?.cleanup();
  });
  const triggerSet = (): Project =>
    initializedProject({
      "m.yaml": [
        "apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: ws\nspec:\n  root_path: \".\"\n",
        "apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: wf\nspec:\n  steps:\n    - id: s\n      command: echo {payload_x} > fired.txt\n",
        "apiVersion: orchestrator.dev/v2\nkind: Trigger\nmetadata:\n  name: hook\nspec:\n  event:\n    source: webhook\n  action:\n    workflow: wf\n    workspace: ws\n",
      ].join("---\n"),
    });
  const NUL_REFUSED = "the task could not be created: variable 'payload_x' contains a NUL byte at character 2; a NUL byte (\\0) cannot be passed to a process";
  const taskCount = (q: Project): number => JSON.parse(q.run(["task", "list", "-o", "json"]).stdout).items.length;

  it("trigger fire --payload with a NUL byte exits 1 naming the variable, and creates no task", () => {
    p = triggerSet();
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    // --payload carries JSON, whose \u0000 escape is a NUL byte once parsed (argv itself cannot hold one).
    const r = p.run(["trigger", "fire", "hook", "--payload", '{"x":"a\\u0000b"}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: trigger/hook did not fire: ${NUL_REFUSED}`);
    noStackTrace(r.stderr);
    expect(taskCount(p)).toBe(0);
    // The same payload without the NUL fires.
    expect(p.run(["trigger", "fire", "hook", "--payload", '{"x":"ab"}']).code).toBe(0);
    expect(taskCount(p)).toBe(1);
  });

  it("a webhook delivery with a NUL byte in its body is refused with a message naming the variable; no task is created and the controller goes on", async () => {
    p = triggerSet();
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    controller = await startController(p.dir);
    const url = `${await controller.url()}/webhooks/hook`;
    const refused = await fetch(url, { method: "POST", body: JSON.stringify({ x: "a\u0000b" }), headers: { "content-type": "application/json" } });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toEqual({ fired: false, reason: "task_rejected", message: expect.stringContaining(NUL_REFUSED) });
    expect(taskCount(p)).toBe(0);
    const skipped = JSON.parse(p.run(["event", "list", "--type", "trigger_skipped", "-o", "json"]).stdout).items;
    expect(skipped.map((e: { message: string }) => e.message).join("\n")).toContain("variable 'payload_x' contains a NUL byte");
    // The next delivery fires and its task runs.
    const fired = await fetch(url, { method: "POST", body: JSON.stringify({ x: "ab" }), headers: { "content-type": "application/json" } });
    expect(fired.status).toBe(202);
    await until("the delivered task to write its file", () => existsSync(join(p!.dir, "fired.txt")) && readFileSync(join(p!.dir, "fired.txt"), "utf8") === "ab\n", 60_000, undefined, () => `fired.txt ${existsSync(join(p!.dir, "fired.txt")) ? JSON.stringify(readFileSync(join(p!.dir, "fired.txt"), "utf8")) : "absent"}; tasks: ${taskPhases(p!)}; controller log: ${tail(controller!.log())}`);
  }, 120_000);
});

describe("failures while a controller runs tasks", () => {
  let p: Project | undefined;
  let controller: RunningController | undefined;
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    p?.cleanup();
  });
  const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
  const phases = (q: Project): Map<string, { phase: string; message?: string }> =>
    new Map((JSON.parse(q.run(["task", "list", "-o", "json"]).stdout).items as Array<{ id: string; phase: string; message?: string }>).map((t) => [t.id, t]));
  const created = (q: Project, args: readonly string[]): string => {
    const r = q.run(["task", "create", ...args]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  const settled = (q: Project, ids: readonly string[]) => () => ids.every((id) => ["Completed", "Failed"].includes(phases(q).get(id)?.phase ?? ""));
  const statusFiles = (q: Project): string => {
    const dir = join(q.dir, ".orchestrator/status/default/task");
    return readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
  };

  it("a step that fails to start with a secret in its error leaves a bounded excerpt with [REDACTED] in events, status files and the controller log", async () => {
    const secret = "sk-live-4f9a2c7e1b3d5a6c";
    p = initializedProject({
      "m.yaml": [
        doc("Workspace", "ws", '  root_path: "."\n'),
        doc("SecretStore", "api", `  data:\n    TOKEN: ${secret}\n`),
        // The step's agent is given the secret; its prompt goes in the environment.
        doc("Agent", "deployer", "  capabilities: [deploy]\n  promptDelivery: env\n  command: echo agent-ran\n  env:\n    - fromRef: api\n"),
        doc("StepTemplate", "talk", '  prompt: "Deploy with {goal} then {blob}"\n'),
        // A NUL byte captured from the first step reaches the prompt: the environment cannot hold it, and Node's error quotes the prompt.
        doc("Workflow", "spawn", "  steps:\n    - id: emit\n      command: printf 'x\\0y'\n      behavior:\n        captures:\n          - var: blob\n            source: stdout\n    - id: speak\n      required_capability: deploy\n      template: talk\n"),
        // A prehook whose error quotes a variable's value, whole.
        doc("Workflow", "gate", "  steps:\n    - id: deploy\n      required_capability: deploy\n      template: talk\n      prehook:\n        engine: cel\n        when: \"duration(window) > duration('0s')\"\n"),
      ].join("---\n"),
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    controller = await startController(p.dir);
    const tail = "G".repeat(3000);
    const ids = [created(p, ["--workflow", "spawn", "--goal", `token ${secret} ${tail}`]), created(p, ["--workflow", "gate", "--set", `window=wait for ${secret} ${tail}`])];
    await until("both tasks to end", settled(p, ids), 60_000, undefined, () => taskPhases(p!));
    await until("the controller to log both failures", () => ids.every((id) => controller!.log().includes(`task ${id} failed`)), 30_000, undefined, () => `controller log: ${controller!.log().slice(-2000)}`);
    expect([...ids.map((id) => phases(p!).get(id)?.phase)]).toEqual(["Failed", "Failed"]);
    const longest = (text: string) => Math.max(0, ...(text.match(/G+/g) ?? []).map((g) => g.length));
    const events = p.run(["event", "list", "--limit", "1000", "-o", "json"]).stdout;
    for (const [where, text] of [["events", events], ["status files", statusFiles(p)], ["controller log", controller.log()]] as const) {
      expect(text, where).not.toContain(secret);
      expect(text, where).toContain("step speak could not start: cannot start /bin/sh: The property 'options.env['ORCH_PROMPT']' must be a string without null bytes. Received 'Deploy with token [REDACTED] GGG");
      expect(text, where).toContain("step deploy could not start: prehook of step 'deploy' failed: Invalid duration string: wait for [REDACTED] GGG");
      // The prehook's error quoted 3000 characters of goal: an excerpt is kept, and says so.
      expect(text, where).toMatch(/GGG… \(\d+ more characters not recorded\)/);
      expect(longest(text), where).toBeGreaterThan(0);
      expect(longest(text), where).toBeLessThan(300);
    }
    expect(controller.child.exitCode).toBeNull();
  }, 120_000);

  it("a prehook or finalize rule that runs past its CEL budget fails its task quickly, saying so, and the controller runs other work", async () => {
    const list = `[${Array(1000).fill(1).join(",")}]`;
    // A billion evaluations each: without a budget, minutes of a blocked controller.
    const runaway = (op: string) => `${list}.all(x, ${list}.all(y, ${list}.all(z, x + y + z ${op} 0)))`;
    p = initializedProject({
      "docs/qa/a.md": "a\n",
      "m.yaml": [
        doc("Workspace", "ws", '  root_path: "."\n  qa_targets: [docs/qa]\n'),
        doc("Workflow", "gated", `  steps:\n    - id: first\n      command: touch first-ran\n    - id: gated\n      command: touch gated-ran\n      prehook:\n        engine: cel\n        when: "${runaway(">")}"\n`),
        doc("Workflow", "finalized", `  steps:\n    - id: check\n      scope: item\n      command: touch checked\n  finalize:\n    rules:\n      - id: slow\n        when: "${runaway(">=")}"\n        status: verified\n`),
        doc("Workflow", "plain", "  steps:\n    - id: s\n      command: echo {goal} >> plain.txt\n"),
      ].join("---\n"),
    });
    const applied = p.run(["apply", "-f", "m.yaml"]);
    expect(applied.code, applied.stderr).toBe(0);
    controller = await startController(p.dir);
    const [gated, finalized, plain] = [created(p, ["--workflow", "gated"]), created(p, ["--workflow", "finalized"]), created(p, ["--workflow", "plain", "--goal", "one"])];
    // The limit is far below what the rules would take unbudgeted.
    await until("the three tasks to end", settled(p, [gated!, finalized!, plain!]), 60_000, undefined, () => taskPhases(p!));
    const after = phases(p);
    const budget = "failed: the expression ran longer than its budget of 1000 ms and was stopped (expression: [1,1,1";
    expect(after.get(gated!)).toMatchObject({ phase: "Failed", message: expect.stringContaining(`step gated could not start: prehook of step 'gated' ${budget}`) });
    expect(after.get(finalized!)).toMatchObject({ phase: "Failed", message: expect.stringContaining(`item docs/qa/a.md: finalize rule 'slow' ${budget}`) });
    expect(after.get(plain!)?.phase).toBe("Completed");
    // Each message is an excerpt, not the whole 6000-character expression.
    for (const id of [gated!, finalized!]) expect(after.get(id)!.message!.length, id).toBeLessThan(500);
    expect(existsSync(join(p.dir, "first-ran"))).toBe(true);
    expect(existsSync(join(p.dir, "gated-ran"))).toBe(false);
    expect(existsSync(join(p.dir, "checked"))).toBe(true);
    // The controller is still there, and runs the next task.
    expect(controller.child.exitCode).toBeNull();
    const next = created(p, ["--workflow", "plain", "--goal", "two"]);
    await until("the next task to complete", () => phases(p!).get(next)?.phase === "Completed", 60_000, undefined, () => taskPhases(p!));
    expect(readFileSync(join(p.dir, "plain.txt"), "utf8")).toBe("one\ntwo\n");
  }, 180_000);
});

describe("placeholders in shell commands", () => {
  let p: Project | undefined;
  afterEach(() => p?.cleanup());

  it("a placeholder a second shell parses again is a warning naming the agent, the field and file:line; a positional parameter is not", () => {
    p = initializedProject({ "agents.yaml": readFileSync(join(HOSTILE, "reevaluated-placeholder.yaml"), "utf8") });
    // agent, the line of its command, and what parses the text again.
    const warned: Array<[string, number, string]> = [
      ["nested-shell", 10, "bash -c parses as shell code again"],
      ["nested-sh", 18, "sh -c parses as shell code again"],
      ["evaluated", 26, "eval parses as shell code again"],
      ["as-user", 34, "su -c parses as shell code again"],
      ["remote", 42, "ssh sends to the remote host, whose shell parses it as shell code again"],
      ["sudo-sh", 50, "sh -c parses as shell code again"],
      ["env-bash", 58, "bash -c parses as shell code again"],
    ];
    for (const args of [["manifest", "validate", "-f", "agents.yaml"], ["apply", "-f", "agents.yaml"]]) {
      const r = p.run(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      const warnings = r.stderr.split("\n").filter((l) => l.startsWith("warning:"));
      for (const [name, line, parsedBy] of warned) {
        const expected = `warning: agent/${name}: spec.command: placeholder {prompt} is in text that ${parsedBy}: a value there (a goal holding $(cmd), say) runs as a command, whatever the quoting (agents.yaml:${line}:12)`;
        expect(warnings, `${args.join(" ")}: ${name}`).toContain(expected);
      }
      // Nothing else is warned about: not the positional parameters, not one agent twice.
      expect(warnings, args.join(" ")).toHaveLength(warned.length);
      expect(r.stderr).not.toMatch(/agent\/(sudo-)?positional/);
      // ssh, eval: a parameter after a script is parsed too, so the hint does not offer one.
      expect(r.stderr).toContain("hint: ssh joins its arguments into one text that a shell parses, so a parameter after a script is parsed too: pass the value through stdin or a file (promptDelivery)");
    }
    expect(JSON.parse(p.run(["get", "agents", "-o", "json"]).stdout).items).toHaveLength(9);
  });

  it("a hostile goal next to those contexts arrives as text and runs nothing, under dash and under bash", () => {
    const goal = "a[$(touch PWNED)]";
    const command = [
      "printf %s {goal} > out1",
      'X="{goal}"; export X; printf %s "$X" > out2',
      "bash -c 'printf %s \"$1\"' _ {goal} > out3",
      '[ "{goal}" = x ] || printf %s "{goal}" > out4',
    ].join("; ");
    for (const shell of ["", "/bin/bash"]) {
      p?.cleanup();
      p = initializedProject({
        "m.yaml": [
          "apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: ws\nspec:\n  root_path: \".\"\n",
          `apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: wf\nspec:\n  steps:\n    - id: s\n      command: ${JSON.stringify(command)}\n`,
          ...(shell ? [`apiVersion: orchestrator.dev/v2\nkind: RuntimePolicy\nmetadata:\n  name: runtime\nspec:\n  runner:\n    shell: ${shell}\n    shell_arg: -c\n`] : []),
        ].join("---\n"),
      });
      const applied = p.run(["apply", "-f", "m.yaml"]);
      expect(applied.code, applied.stderr).toBe(0);
      const r = p.run(["run", "--workflow", "wf", "--goal", goal], { timeoutMs: 60_000 });
      expect(r.code, `${shell || "/bin/sh"}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(existsSync(join(p.dir, "PWNED")), shell || "/bin/sh").toBe(false);
      for (const out of ["out1", "out2", "out3", "out4"]) expect(readFileSync(join(p.dir, out), "utf8"), `${shell || "/bin/sh"} ${out}`).toBe(goal);
    }
  }, 120_000);

  it("each context where bash would evaluate a value is refused at apply: no agent is stored and nothing runs", () => {
    const contexts = [
      "echo $(( {prompt} + 1 ))",
      "(( {prompt} > 3 )) && echo big",
      "echo $[ {prompt} ]",
      "let n={prompt}",
      "[[ {prompt} -eq 1 ]] && echo one",
      "[[ -v {prompt} ]] && echo set",
      "echo ${arr[{prompt}]}",
      "a[{prompt}]=1",
      "printf -v {prompt} %s x",
      "read {prompt} < /dev/null",
      "declare -i n={prompt}",
      "unset {prompt}",
    ];
    p = initializedProject({
      "ws.yaml": "apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: ws\nspec:\n  root_path: \".\"\n",
      "wf.yaml": "apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: wf\nspec:\n  steps:\n    - id: work\n      required_capability: x\n",
    });
    expect(p.run(["apply", "-f", "ws.yaml", "-f", "wf.yaml"]).code).toBe(0);
    contexts.forEach((command, i) => {
      p!.write(`agent-${i}.yaml`, agent(`a${i}`, JSON.stringify(command)));
      const r = p!.run(["apply", "-f", `agent-${i}.yaml`]);
      expect(r.code, command).toBe(1);
      expect(r.stderr, command).toMatch(/spec\.command: placeholder \{prompt\} is (inside|in) /);
    });
    expect(JSON.parse(p.run(["get", "agents", "-o", "json"]).stdout).items).toEqual([]);
    const run = p.run(["run", "--workflow", "wf", "--goal", "a[$(touch PWNED)]"], { timeoutMs: 60_000 });
    expect(run.code).not.toBe(0);
    expect(existsSync(join(p.dir, "PWNED"))).toBe(false);
  }, 120_000);
});
