import { afterEach, describe, expect, it } from "vitest";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import Database from "better-sqlite3";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CLI, initializedProject } from "../support/cli.js";
import { helperOf } from "../support/process-groups.js";
import { startController as startServedController, stopAndRemove, until as waitUntil, type RunningController } from "../support/controller.js";

const WORKFLOW = `apiVersion: orchestrator.dev/v2
kind: Workspace
metadata:
  name: w
spec:
  root_path: "."
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: crashy
spec:
  steps:
    - id: one
      command: echo one >> steps.log
    - id: two
      command: >-
        if [ -f second-attempt ]; then echo two-resumed >> steps.log;
        else echo two-started >> steps.log; sleep 60 & echo $! > sleep.pid; wait; fi
    - id: three
      command: echo three >> steps.log
`;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
};

/** No web view, and a listener on a port of its own: the default addresses stay free for the tests that need them. */
const CONTROLLER_ENV = { ...process.env, NO_COLOR: "1", ORCHESTRATOR_UI_BIND: "none", ORCHESTRATOR_WEBHOOK_BIND: "127.0.0.1:0" };

const until = (cond: () => boolean, what = "a condition", seen?: () => string): Promise<void> => waitUntil(what, cond, 60_000, () => false, seen);

describe("the controller", { timeout: 120_000 }, () => {
  let p: ReturnType<typeof initializedProject>;
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    p?.cleanup();
  });
  const startController = (): ChildProcess => {
    const c = spawn(process.execPath, [CLI, "controller", "--foreground", "--workers", "2"], { cwd: p.dir, stdio: "ignore", env: CONTROLLER_ENV });
    children.push(c);
    return c;
  };
  const task = (id: string) => JSON.parse(p.run(["get", "tasks", "-o", "json"]).stdout).items.find((t: { status?: { taskId: string } }) => t.status?.taskId === id);
  const runOf = (id: string, step: string): { pid: number | null } | undefined =>
    (JSON.parse(p.run(["task", "info", id, "-o", "json"]).stdout) as { runs: { step: string; status: string; pid: number | null }[] }).runs.find((r) => r.step === step && r.status === "running");

  it("runs queued tasks, allows only one controller per store, and stops on SIGTERM", async () => {
    p = initializedProject({ "m.yaml": WORKFLOW.replace("if [ -f second-attempt ]", "if true") });
    p.run(["apply", "-f", "m.yaml"]);
    const id = p.run(["task", "create", "--no-daemon"]).stdout.trim();
    const c = startController();
    await until(() => task(id)?.status?.phase === "Completed", "the task to complete", () => `status ${JSON.stringify(task(id)?.status ?? null)}`);
    const second = p.run(["controller", "--foreground"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/a controller already runs/);
    expect(JSON.parse(p.run(["controller", "status", "-o", "json"]).stdout).running).toBe(true);
    c.kill("SIGTERM");
    await until(() => c.exitCode !== null, "the controller to exit");
    expect(c.exitCode).toBe(0);
    expect(JSON.parse(p.run(["controller", "status", "-o", "json"]).stdout).running).toBe(false);
  });

  it("a SIGTERM that comes as its first step starts, before it has finished starting, stops it gracefully: exit 0, the step ended, the task queued again", async () => {
    // The step says it started through a FIFO, so the signal follows at once: the controller is still starting its listeners.
    p = initializedProject({ "m.yaml": WORKFLOW.replace("command: echo one >> steps.log", "command: echo one > started.fifo; sleep 60") });
    execFileSync("mkfifo", [join(p.dir, "started.fifo")]);
    p.run(["apply", "-f", "m.yaml"]);
    const id = p.run(["task", "create", "--no-daemon"]).stdout.trim();
    const c = spawn(process.execPath, [CLI, "controller", "--foreground", "--workers", "2"], { cwd: p.dir, stdio: ["ignore", "pipe", "pipe"], env: CONTROLLER_ENV });
    children.push(c);
    let log = "";
    c.stdout!.on("data", (d: Buffer) => (log += d.toString("utf8")));
    c.stderr!.on("data", (d: Buffer) => (log += d.toString("utf8")));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => c.once("exit", (code, signal) => r({ code, signal })));
    expect(await readFile(join(p.dir, "started.fifo"), "utf8")).toBe("one\n");
    c.kill("SIGTERM");
    expect(await exited, log).toEqual({ code: 0, signal: null });
    expect(log).toMatch(/controller stopped\n$/);
    expect(JSON.parse(p.run(["controller", "status", "-o", "json"]).stdout).running).toBe(false);
    const info = JSON.parse(p.run(["task", "info", id, "-o", "json"]).stdout) as { task: { phase: string; queued: boolean }; runs: Array<{ step: string; status: string }> };
    expect(info.task).toMatchObject({ phase: "Pending", queued: true });
    expect(info.runs.map((r) => `${r.step}:${r.status}`)).toEqual(["one:cancelled"]);
  });

  it("after kill -9 mid-step: the step's processes end with the controller; the next controller resumes from the interrupted step and runs no completed step twice", async () => {
    p = initializedProject({ "m.yaml": WORKFLOW });
    p.run(["apply", "-f", "m.yaml"]);
    const id = p.run(["task", "create", "--no-daemon"]).stdout.trim();
    const first = startController();
    const pidFile = join(p.dir, "sleep.pid");
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", "step two to start its sleep");
    // Mid-step means the controller has recorded the step's process group, as it does right after starting it.
    await until(() => runOf(id, "two")?.pid != null, "step two's process to be recorded");
    const sleepPid = Number(readFileSync(pidFile, "utf8").trim());
    first.kill("SIGKILL");
    await until(() => first.exitCode !== null || first.signalCode !== null, "the first controller to die");
    // No controller runs now: the helper process ends what the dead one started.
    await until(() => !alive(sleepPid), "the helper to end the step");
    // The step's log says why it ended (written by the helper just after it signals the group).
    const logs = join(p.dir, ".orchestrator/logs", id);
    const stepLog = (): string => readdirSync(logs).map((f) => readFileSync(join(logs, f), "utf8")).find((t) => t.includes("step two")) ?? "";
    // Its group is named when the helper had heard of it; a step killed before that is found by its run id.
    await until(() => /\[orchestrator\] the engine process running this step stopped; stopping the step's processes( \(process group \d+\))?\n/.test(stepLog()), "the step's log to say why it ended");

    writeFileSync(join(p.dir, "second-attempt"), "");
    startController();
    await until(() => task(id)?.status?.phase === "Completed", "the task to complete", () => `status ${JSON.stringify(task(id)?.status ?? null)}`);
    expect(readFileSync(join(p.dir, "steps.log"), "utf8")).toBe("one\ntwo-started\ntwo-resumed\nthree\n");

    const events = JSON.parse(p.run(["event", "list", "--task", id, "--limit", "200", "-o", "json"]).stdout).items as Array<{ type: string; data: { status?: string; step?: string } | null }>;
    const types = events.map((e) => e.type);
    expect(types).toContain("task_recovered");
    const results = events.filter((e) => e.type === "run_result").map((e) => `${e.data?.step}:${e.data?.status}`);
    expect(results).toEqual(["one:succeeded", "two:interrupted", "two:succeeded", "three:succeeded"]);
  });

  it("a step that outlived its controller and helper, with no process group on record, is ended by the next controller before it runs again", async () => {
    p = initializedProject({ "m.yaml": WORKFLOW });
    p.run(["apply", "-f", "m.yaml"]);
    const id = p.run(["task", "create", "--no-daemon"]).stdout.trim();
    const first = startController();
    const pidFile = join(p.dir, "sleep.pid");
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "");
    const sleepPid = Number(readFileSync(pidFile, "utf8").trim());
    // Both die at once, as if the controller died between starting the step and recording its group.
    const helper = helperOf(first.pid!);
    expect(helper).toBeGreaterThan(1);
    process.kill(helper!, "SIGKILL");
    first.kill("SIGKILL");
    await until(() => first.exitCode !== null || first.signalCode !== null);
    await until(() => !alive(helper!));
    const db = new Database(join(p.dir, ".orchestrator/state.db"));
    db.prepare("UPDATE runs SET pid = NULL, pgid = NULL WHERE finished_at IS NULL").run();
    db.close();
    expect(alive(sleepPid)).toBe(true);

    writeFileSync(join(p.dir, "second-attempt"), "");
    startController();
    await until(() => task(id)?.status?.phase === "Completed");
    expect(alive(sleepPid)).toBe(false);
    expect(readFileSync(join(p.dir, "steps.log"), "utf8")).toBe("one\ntwo-started\ntwo-resumed\nthree\n");
  });
});

describe("a fault of the engine's own", () => {
  const TICKETS = `apiVersion: orchestrator.dev/v2
kind: Workspace
metadata:
  name: w
spec:
  root_path: "."
  qa_targets: [docs/qa]
  ticket_dir: tickets
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: qa
spec:
  steps:
    - id: qa
      scope: item
      # The ticket directory becomes a link to nowhere: writing the ticket fails with ENOENT.
      command: rm -rf tickets && ln -s /nonexistent/orchestrator-test tickets && exit 1
      behavior:
        post_actions:
          - type: create_ticket
`;
  let p: ReturnType<typeof initializedProject> | undefined;
  let controller: RunningController | undefined;
  afterEach(async () => {
    await stopAndRemove(controller, p);
    controller = p = undefined;
  });

  it("fails the task run by a controller, with the error as its reason, instead of leaving it Running", async () => {
    p = initializedProject({ "m.yaml": TICKETS, "docs/qa/a.md": "# a\n", "tickets/.keep": "" });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const id = p.run(["task", "create", "--no-daemon"]).stdout.trim();
    controller = await startServedController(p.dir);
    const info = (): { task: { phase: string; message: string | null; reason: string | null } } => JSON.parse(p!.run(["task", "info", id, "-o", "json"]).stdout);
    await waitUntil("the task to fail", () => info().task.phase === "Failed", 30_000, () => info().task.phase === "Completed" && "it completed");
    expect(info().task.message).toMatch(/step qa \[docs\/qa\/a\.md\]: post action create_ticket could not write a ticket in tickets: ENOENT/);
    expect(info().task.reason).toBe("EngineError");
    expect(controller.log()).not.toContain("worker error");
  });

  it("fails a run executed by \`orchestrator run\` the same way, exit code 1", () => {
    p = initializedProject({ "m.yaml": TICKETS, "docs/qa/a.md": "# a\n", "tickets/.keep": "" });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "qa"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed: .*post action create_ticket could not write a ticket in tickets: ENOENT/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

