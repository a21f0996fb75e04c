/**
 * @module Shared set-up for the `task ...` and `event list` end-to-end
 * tests: a project with command-step workflows, a real controller process
 * (`orchestrator controller --foreground`) and waiting on task phases
 * through the CLI.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { CLI, initializedProject } from "../support/cli.js";
import { lookSafely } from "../support/controller.js";

export { lookSafely, tail } from "../support/controller.js";

export type Project = ReturnType<typeof initializedProject>;

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

/** One workspace with two items, and workflows whose steps are plain shell commands. */
export const MANIFEST = [
  doc("Workspace", "w", `  root_path: "."\n  qa_targets: [docs/qa]\n`),
  doc(
    "Workflow",
    "basic",
    `  steps:
    - id: plan
      scope: task
      command: echo planning; echo plan-done
    - id: check
      scope: item
      command: echo checking {rel_path}
`,
  ),
  doc(
    "Workflow",
    "big",
    `  steps:
    - id: intro
      scope: task
      command: echo intro-1; echo intro-2
    - id: spew
      scope: task
      command: seq 1 30000 | sed 's/^/line /'
`,
  ),
  // The second step sleeps in the background and records the sleep's pid; run again, it finishes at once.
  doc(
    "Workflow",
    "sleepy",
    `  steps:
    - id: first
      scope: task
      command: echo first
    - id: nap
      scope: task
      command: if [ -f nap.done ]; then echo awake; else touch nap.done; sleep 300 & echo $! > sleep.pid; wait; fi
    - id: last
      scope: task
      command: echo last
`,
  ),
  // An item passes when a file named after it with `.ok` exists.
  doc(
    "Workflow",
    "flaky",
    `  steps:
    - id: qa
      scope: item
      command: if [ -f "{rel_path}.ok" ]; then echo fine {rel_path}; else echo broken {rel_path} >&2; exit 3; fi
  finalize:
    rules:
      - id: passed
        engine: cel
        when: "qa_exit_code == 0"
        status: qa_passed
      - id: failed
        engine: cel
        when: "true"
        status: unresolved
`,
  ),
  doc(
    "Workflow",
    "traced",
    `  steps:
    - id: ok
      scope: task
      command: echo ok
    - id: bad
      scope: task
      command: echo bad; exit 3
    - id: maybe
      scope: task
      command: echo never
      prehook:
        engine: cel
        when: "false"
        reason: not needed today
    - id: slow
      scope: task
      command: sleep 5
      timeout_secs: 1
`,
  ),
  // A builtin step records a run with no log; a command step follows it.
  doc(
    "Workflow",
    "builtins",
    `  steps:
    - id: warmup
      scope: task
      builtin: init_once
    - id: say
      scope: task
      command: echo said
`,
  ),
  // Prints a line, then holds until the test writes tick.go, then prints another.
  doc(
    "Workflow",
    "gated",
    `  steps:
    - id: tick
      scope: task
      command: echo tick 1; while [ ! -f tick.go ]; do sleep 0.05; done; echo tick 2
`,
  ),
  // Writes a numbered line every 20 ms until the test writes stream.stop: its last lines are always fresh.
  doc(
    "Workflow",
    "stream",
    `  steps:
    - id: lines
      scope: task
      command: i=0; while [ ! -f stream.stop ]; do i=$((i+1)); echo line-$i; sleep 0.02; done
`,
  ),
  doc(
    "Workflow",
    "ticker",
    `  steps:
    - id: tick
      scope: task
      command: for i in 1 2 3 4 5; do echo tick $i; sleep 0.3; done
`,
  ),
].join("---\n");

/** An initialized project with the manifest applied and two items under docs/qa. */
export function taskProject(): Project {
  const p = initializedProject({ "m.yaml": MANIFEST, "docs/qa/a.md": "a\n", "docs/qa/b.md": "b\n" });
  const r = p.run(["apply", "-f", "m.yaml"]);
  if (r.code !== 0) throw new Error(`apply failed: ${r.stderr}`);
  return p;
}

/** `task create --no-start`; returns the new task's id. */
export function createTask(p: Project, workflow: string, name: string, extra: string[] = []): string {
  const r = p.run(["task", "create", "--no-start", "--workflow", workflow, "--name", name, ...extra]);
  if (r.code !== 0) throw new Error(`task create failed: ${r.stderr}`);
  return r.stdout.trim();
}

export interface InfoJson {
  task: { id: string; name: string; phase: string; queued: boolean; cycle: number; message: string | null; project: string; resource: { kind: string; name: string } | null };
  items: Array<{ id: string; path: string; status: string }>;
  steps: Array<{ step: string; item: string | null; status: string; exitCode: number | null }>;
  runs: Array<{ id: string; step: string; item: string | null; status: string; exitCode: number | null; reason: string | null; pid: number | null; logPath: string | null; startedAt: string }>;
}

export function info(p: Project, ref: string): InfoJson {
  const r = p.run(["task", "info", ref, "-o", "json"]);
  if (r.code !== 0) throw new Error(`task info failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as InfoJson;
}

/**
 * Polls `cond` until it holds. The limit only ends a stuck test; its message
 * says what was awaited and, from `seen`, what was last there instead.
 */
export async function until(cond: () => boolean, ms = 60_000, what = "a condition", seen?: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${seen ? `; last seen: ${lookSafely(seen)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The task's phase, queued flag, message and runs, as one line for a timeout message. */
export function describeTask(i: InfoJson): string {
  const runs = i.runs.map((r) => `${r.step}${r.item ? `[${r.item}]` : ""}=${r.status}${r.reason ? ` (${r.reason})` : ""}`).join(", ");
  return `phase ${i.task.phase}${i.task.queued ? " (queued)" : ""}, message ${JSON.stringify(i.task.message)}, runs [${runs}]`;
}

/** `describeTask` of the task `ref` as it is now, or why it cannot be read (not created yet, store busy). */
export function describeTaskNow(p: Project, ref: string): string {
  return lookSafely(() => describeTask(info(p, ref)));
}

export async function waitForPhase(p: Project, ref: string, phases: readonly string[], ms = 60_000): Promise<InfoJson> {
  let last: InfoJson | undefined;
  await until(
    () => phases.includes((last = info(p, ref)).task.phase),
    ms,
    `task ${ref} to reach ${phases.join("/")}`,
    () => (last ? describeTask(last) : "no task info yet"),
  );
  return last!;
}

function childEnv(): NodeJS.ProcessEnv {
  // As test/support/cli.ts: no web view, and a listener on a port of its own. A controller on the default
  // addresses would take them from a test that needs them (webhooks.test.ts holds 19090 to see it in use).
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1", ORCHESTRATOR_UI_BIND: "none", ORCHESTRATOR_WEBHOOK_BIND: "127.0.0.1:0" };
  delete env["ORCHESTRATOR_HOME"];
  return env;
}

/** Real controllers, started in a project and stopped (SIGTERM, then SIGKILL) after each test; their logs are kept. */
export class Controllers {
  private readonly children: Array<{ child: ChildProcess; log: string }> = [];

  start(p: Project): ChildProcess {
    const c = spawn(process.execPath, [CLI, "controller", "--foreground", "--workers", "2"], {
      cwd: p.dir,
      stdio: ["ignore", "pipe", "pipe"],
      env: childEnv(),
    });
    const entry = { child: c, log: "" };
    c.stdout!.on("data", (d: Buffer) => (entry.log += d.toString("utf8")));
    c.stderr!.on("data", (d: Buffer) => (entry.log += d.toString("utf8")));
    c.once("exit", (code, signal) => (entry.log += `(exited: ${signal ?? `code ${code}`})\n`));
    this.children.push(entry);
    return c;
  }

  /** What every controller started since the last stopAll wrote, each under its pid. */
  logs(): string {
    return this.children.map((e) => `--- controller ${e.child.pid}\n${e.log}`).join("\n");
  }

  /** Stops them all; given the hook's context of a failed test, writes their logs to stderr first. */
  async stopAll(ctx?: { task: { result?: { state: string } } }): Promise<void> {
    if (ctx?.task.result?.state === "fail" && this.children.length) process.stderr.write(`${this.logs()}\n`);
    await Promise.all(this.children.map((e) => stop(e.child)));
    this.children.length = 0;
  }
}

export async function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once("exit", () => r()));
  c.kill("SIGTERM");
  const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A child process of the CLI whose output is collected, for commands that run until something happens. */
export function spawnCli(
  p: Project,
  args: readonly string[],
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }>; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: p.dir, env: childEnv() });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

/** True while `pid` is a live (non-zombie) process. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/**
 * Runs the CLI with its stdout read by nobody (the read end is closed at
 * once, as when `| head -1` has exited), so its first write fails with EPIPE.
 */
export function withClosedStdout(p: Project, args: readonly string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: p.dir, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stdout.destroy();
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stderr })));
}
