/**
 * Several controllers on one PostgreSQL store, as several hosts look to the
 * store: separate processes, each with its own home and working directory,
 * on one real PostgreSQL server. Work is divided (every task runs exactly
 * once, every controller does some), a controller killed with SIGKILL has
 * its tasks finished by the others with no step running twice at once, a
 * cron trigger fires once per firing, and a git source changed once is
 * applied once; a task-event trigger fires once per event; one webhook
 * delivery sent to every controller at once fires once; a controller
 * frozen past its lease stops on its return. `task logs -f` on another host
 * shows every line of a step that a pause or a trigger's Replace stopped.
 * The web view and `orchestrator run` on a home that cannot see the first
 * home's log files (a mount namespace hides them, as another machine would)
 * show the lines of a step the first home's controller runs, from the store.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "../support/browser.js";
import { controllerStoreOf } from "../../src/store/controller-store.js";
import { homeAt } from "../../src/store/home-location.js";
import { openPgStore } from "../../src/store/postgres/open.js";
import type { PgStore } from "../../src/store/postgres/pg-store.js";
import { openTaskStore, type TaskRecord } from "../../src/store/task-store.js";
import { docs, workflow, workspace } from "../reconcile/support/manifests.js";
import { CLI, cli, tempProject } from "../support/cli.js";
import { startController, until, type RunningController } from "../support/controller.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../support/postgres.js";

const STEP = `t=$1
exec 9>"$(dirname "$0")/locks/$t"
if ! flock -n 9; then echo "overlap $t $$" >> "$(dirname "$0")/marks"; fi
echo "start $t $$" >> "$(dirname "$0")/marks"
sleep "$(cat "$(dirname "$0")/delay")"
echo "end $t $$" >> "$(dirname "$0")/marks"
`;

interface Host {
  dir: string;
  run(args: readonly string[]): { code: number; stdout: string; stderr: string };
  cleanup(): void;
}

describe.skipIf(postgresUnavailable !== undefined)("several controllers on one PostgreSQL store", () => {
  let server: PostgresServer;
  let shared: ReturnType<typeof tempProject>;
  let controllers: RunningController[] = [];
  let hosts: Host[] = [];
  let store: PgStore | undefined;
  let others: ChildProcess[] = [];
  let browser: Browser | undefined;

  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail") for (const c of controllers) process.stderr.write(`--- controller ${c.child.pid}\n${c.log().slice(-4000)}\n`);
    await browser?.close();
    browser = undefined;
    for (const p of others) if (p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
    others = [];
    await Promise.all(controllers.map((c) => c.stop()));
    controllers = [];
    store?.close();
    store = undefined;
    for (const h of hosts) h.cleanup();
    hosts = [];
    shared?.cleanup();
  });

  /** `n` homes on one new database, the first initialised, the others given its key (as the docs say). */
  function setUp(n: number, delay: string): { url: string; hosts: Host[] } {
    const url = server.createDatabase();
    shared = tempProject({ "step.sh": STEP, delay });
    mkdirSync(join(shared.dir, "locks"));
    writeFileSync(join(shared.dir, "marks"), "");
    for (let i = 0; i < n; i++) {
      const p = tempProject();
      const run = (args: readonly string[]) => cli(args, { cwd: p.dir });
      if (i > 0) {
        mkdirSync(join(p.dir, ".orchestrator"));
        copyFileSync(join(hosts[0]!.dir, ".orchestrator", "secret.key"), join(p.dir, ".orchestrator", "secret.key"));
        chmodSync(join(p.dir, ".orchestrator", "secret.key"), 0o600);
      }
      const init = run(["init", "--store", url]);
      expect(init.stderr).toBe("");
      expect(init.code).toBe(0);
      hosts.push({ dir: p.dir, run, cleanup: p.cleanup });
    }
    hosts[0]!.dir && writeFileSync(join(hosts[0]!.dir, "m.yaml"), docs(workspace("ws"), workflow("wf", `sh ${join(shared.dir, "step.sh")} {task_id}`)));
    expect(hosts[0]!.run(["apply", "-f", "m.yaml", "--no-daemon"]).code).toBe(0);
    store = openPgStore(url, homeAt(join(hosts[0]!.dir, ".orchestrator")));
    return { url, hosts };
  }

  function createTasks(count: number): TaskRecord[] {
    const tasks = openTaskStore(store!);
    const out: TaskRecord[] = [];
    for (let i = 0; i < count; i++) {
      out.push(tasks.createTask({ name: `job-${i}`, project: "default", origin: "cli", workflow: "wf", workspace: "ws", goal: "", spec: { steps: [], vars: {}, targetFiles: [] }, queued: true }));
    }
    return out;
  }

  const marks = (): string[] => readFileSync(join(shared.dir, "marks"), "utf8").split("\n").filter(Boolean);
  const phases = (ids: readonly string[]): string[] => {
    const tasks = openTaskStore(store!);
    return ids.map((id) => tasks.getTask(id)!.phase);
  };
  /** How many of the tasks are in each phase, for a timeout's message. */
  const phaseCounts = (ids: readonly string[]): string => {
    const counts = new Map<string, number>();
    for (const p of phases(ids)) counts.set(p, (counts.get(p) ?? 0) + 1);
    return [...counts].map(([p, n]) => `${n} ${p}`).join(", ");
  };
  /** Whether the controller of `pid` holds one of the tasks with its step running. */
  const runningOn = (pid: string, ids: readonly string[]): boolean => {
    const tasks = openTaskStore(store!);
    return ids.some((id) => tasks.getTask(id)!.claimedBy?.includes(`:${pid}:`) && tasks.listRuns(id).some((r) => r.status === "running"));
  };
  /** The pid of the controller whose worker started each task, from its task_started events. */
  const startedBy = (): string[] => store!.listEvents({ type: "task_started" }).map((e) => String(e.actor).split(":")[1]!);

  it("500 one-step tasks on three controllers: each runs exactly once, and every controller does work", async () => {
    setUp(3, "0");
    for (const h of hosts) controllers.push(await startController(h.dir, ["--workers", "2"]));
    const created = createTasks(500);
    const ids = created.map((t) => t.id);
    await until("every task to complete", () => phases(ids).every((p) => p === "Completed"), 600_000, () => {
      const failed = phases(ids).filter((p) => p === "Failed").length;
      return failed > 0 && `${failed} task(s) failed:\n${controllers.map((c) => c.log()).join("\n")}`;
    }, () => phaseCounts(ids));
    const starts = marks().filter((l) => l.startsWith("start "));
    expect(marks().filter((l) => l.startsWith("overlap "))).toEqual([]);
    expect(starts.length).toBe(500);
    expect(new Set(starts.map((l) => l.split(" ")[1])).size).toBe(500);
    const tasks = openTaskStore(store!);
    for (const id of ids) expect(tasks.listRuns(id).map((r) => r.status)).toEqual(["succeeded"]);
    const byController = new Set(startedBy());
    for (const c of controllers) expect(byController.has(String(c.child.pid))).toBe(true);
  }, 900_000);

  it("kill -9 of one controller mid-run: the others finish its tasks, and no step runs twice at once", async () => {
    setUp(3, "1");
    for (const h of hosts) controllers.push(await startController(h.dir, ["--workers", "2"], { ORCHESTRATOR_LEASE_MS: "3000" }));
    const ids = createTasks(30).map((t) => t.id);
    const victim = controllers[0]!;
    const victimPid = String(victim.child.pid);
    // Its step running, not just its task claimed: that step is the one to run again.
    await until("the first controller to be running a step", () => runningOn(victimPid, ids), 60_000, () => false, () => phaseCounts(ids));
    victim.child.kill("SIGKILL");
    await until("every task to complete", () => phases(ids).every((p) => p === "Completed"), 300_000, () => {
      const bad = phases(ids).filter((p) => p === "Failed" || p === "Paused").length;
      return bad > 0 && `${bad} task(s) failed or paused:\n${controllers.slice(1).map((c) => c.log()).join("\n")}`;
    }, () => phaseCounts(ids));
    expect(marks().filter((l) => l.startsWith("overlap "))).toEqual([]);
    // Every step ran to its end once; a step the dead controller had in flight ran again, and only that one.
    const ended = marks().filter((l) => l.startsWith("end ")).map((l) => l.split(" ")[1]);
    expect(new Set(ended).size).toBe(30);
    const tasks = openTaskStore(store!);
    const interrupted = ids.flatMap((id) => tasks.listRuns(id)).filter((r) => r.status === "interrupted");
    expect(interrupted.length).toBeGreaterThan(0);
    for (const id of ids) expect(tasks.listRuns(id).filter((r) => r.status === "succeeded")).toHaveLength(1);
    const survivorsLog = controllers.slice(1).map((c) => c.log()).join("\n");
    expect(survivorsLog).toMatch(new RegExp(`controller \\S+:${victimPid}:\\S+ \\(pid ${victimPid} on .*\\) is gone: taking over`));
  }, 600_000);

  it("a controller cut off long enough to lose its lease stops on its return (exit 3), and its writes are refused", async () => {
    setUp(2, "2");
    for (const h of hosts) controllers.push(await startController(h.dir, ["--workers", "2"], { ORCHESTRATOR_LEASE_MS: "3000" }));
    const [frozen, other] = [controllers[0]!, controllers[1]!];
    const frozenPid = String(frozen.child.pid);
    const ids = createTasks(4).map((t) => t.id);
    await until("the first controller to be running a step", () => runningOn(frozenPid, ids), 60_000, () => false, () => phaseCounts(ids));
    // SIGSTOP: the process lives on but does nothing, as a host cut off from the database would.
    frozen.child.kill("SIGSTOP");
    await until("the other controller to take over", () => other.log().includes(`(pid ${frozenPid} on `), 120_000);
    const exited = new Promise<number | null>((resolve) => frozen.child.once("exit", (code) => resolve(code)));
    frozen.child.kill("SIGCONT");
    expect(await exited).toBe(3);
    // Frozen between statements of a transaction, its session is ended by the server after the lease time: either way it stops.
    expect(frozen.log()).toMatch(/error: this controller stops: (its lease was taken over by another controller|it could not renew its lease)/);
    await until("every task to complete", () => phases(ids).every((p) => p === "Completed"), 120_000, () => {
      const bad = phases(ids).filter((p) => p === "Failed" || p === "Paused").length;
      return bad > 0 && `${bad} task(s) failed or paused:\n${other.log()}`;
    }, () => phaseCounts(ids));
    expect(marks().filter((l) => l.startsWith("overlap "))).toEqual([]);
    // The run the cut-off controller had in flight was ended by the other; its result, arriving late, was never recorded.
    const tasks = openTaskStore(store!);
    for (const id of ids) expect(tasks.listRuns(id).filter((r) => r.status === "succeeded")).toHaveLength(1);
    expect(ids.flatMap((id) => tasks.listRuns(id)).filter((r) => r.status === "interrupted").length).toBeGreaterThan(0);
  }, 300_000);

  it("task logs -f on one host follows a step running on another, from the store", async () => {
    setUp(2, "0");
    // The step prints two lines, holds until the test lets it go on, then prints two more: it is running for as long as the test needs.
    const gate = join(shared.dir, "go");
    writeFileSync(join(hosts[0]!.dir, "slow.yaml"), workflow("slow", `sh -c 'echo line-1; echo line-2; while [ ! -f ${gate} ]; do sleep 0.05; done; echo line-3; echo line-4'`));
    expect(hosts[0]!.run(["apply", "-f", "slow.yaml", "--no-daemon"]).code).toBe(0);
    controllers.push(await startController(hosts[0]!.dir, ["--workers", "1"]));
    const tasks = openTaskStore(store!);
    const t = tasks.createTask({ name: "slow", project: "default", origin: "cli", workflow: "slow", workspace: "ws", goal: "", spec: { steps: [], vars: {}, targetFiles: [] }, queued: true });
    await until("the step to start on the first host", () => tasks.listRuns(t.id).some((r) => r.status === "running"), 60_000, () => false, () => `task ${tasks.getTask(t.id)!.phase}, runs [${tasks.listRuns(t.id).map((r) => r.status).join(", ")}]`);
    // A task created on a host that runs no controller is left to the controllers on the store: none is started there.
    const queued = cli(["task", "create", "--workflow", "slow"], { cwd: hosts[1]!.dir, env: { ORCHESTRATOR_NO_DAEMON: undefined } });
    expect(queued.code).toBe(0);
    expect(queued.stderr).toContain("queued; the running controller will pick it up");
    expect(existsSync(join(hosts[1]!.dir, ".orchestrator", "controller.lock"))).toBe(false);
    // Another host cannot recover a task a live controller holds: its lease says it still runs it.
    const recover = hosts[1]!.run(["task", "recover", t.id]);
    expect(recover.stderr).toMatch(/is being run by the controller on \S+ \(pid \d+\), whose lease is live/);
    expect(recover.code).toBe(1);
    // The second home runs no controller and never ran the step: it reads what the first host copied into the store.
    const child = spawn(process.execPath, [CLI, "task", "logs", "-f", t.id], { cwd: hosts[1]!.dir, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    await until("task logs -f to show the lines printed so far", () => out.includes("line-2\n"), 60_000, () => child.exitCode !== null && `task logs -f exited ${child.exitCode} while the step ran:\n${out}`);
    expect(tasks.getTask(t.id)!.phase).toBe("Running");
    writeFileSync(gate, "");
    // Whoever sees the task complete finds its whole log in the store: it was copied before the outcome was written.
    let completedLog: string | undefined;
    await until(
      "the task to complete",
      () => {
        if (tasks.getTask(t.id)!.phase !== "Completed") return false;
        completedLog = store!.stepLogStore().readLog(tasks.listRuns(t.id)[0]!.id, 0, 1 << 20).toString();
        return true;
      },
      60_000,
      () => false,
      () => `task ${tasks.getTask(t.id)!.phase}, runs [${tasks.listRuns(t.id).map((r) => r.status).join(", ")}]`,
    );
    expect(completedLog).toContain("line-4\n");
    expect(await closed).toBe(0);
    expect(out).toMatch(/^==> step build \(run r-\S+\) <==\n/);
    expect(out).toContain("line-1\nline-2\nline-3\nline-4\n");
  }, 300_000);

  /**
   * A step on the first host writes a numbered line every 20 ms (until a file appears that the test writes at the
   * end), so its last lines are fresh whenever it is stopped; `task logs -f` on the second host follows it, then
   * `stop` stops the task. Returns what logs -f printed, once it ended by itself, and the step's own log file.
   */
  async function followUntilStopped(taskId: () => string, stop: (id: string) => void): Promise<{ shown: string[]; written: string[]; id: string }> {
    const tasks = openTaskStore(store!);
    const id = taskId();
    await until("the step to start on the first host", () => tasks.listRuns(id).some((r) => r.status === "running"), 60_000);
    const child = spawn(process.execPath, [CLI, "task", "logs", "-f", id], { cwd: hosts[1]!.dir, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    await until("task logs -f on the second host to show the step's lines", () => out.includes("line-5\n"), 60_000, () => child.exitCode !== null && `task logs -f exited ${child.exitCode}:\n${out}${err}`);
    stop(id);
    // logs -f ends by itself, as on one host: status 0, nothing on stderr.
    expect(await closed).toBe(0);
    expect(err).toBe("");
    const run = tasks.listRuns(id)[0]!;
    expect(run.status).toBe("cancelled");
    // The step's own log file, on the host that ran it: every line it wrote before it was stopped.
    const written = readFileSync(run.logPath!, "utf8").split("\n").filter((l) => l.startsWith("line-"));
    expect(written.length).toBeGreaterThanOrEqual(5);
    return { shown: out.split("\n").filter((l) => l.startsWith("line-")), written, id };
  }

  /** A workflow `lines` whose step writes numbered lines until `gate` exists, and a controller on the first host. */
  async function linesOnFirstHost(gate: string, extra = ""): Promise<void> {
    writeFileSync(join(hosts[0]!.dir, "lines.yaml"), docs(workflow("lines", `sh -c 'i=0; while [ ! -f ${gate} ]; do i=$((i+1)); echo line-$i; sleep 0.02; done'`), ...(extra ? [extra] : [])));
    expect(hosts[0]!.run(["apply", "-f", "lines.yaml", "--no-daemon"]).code).toBe(0);
    controllers.push(await startController(hosts[0]!.dir, ["--workers", "1"]));
  }

  it("task logs -f on one host, following a step another host runs, shows every line the step wrote before a pause stopped it, then ends as on one host", async () => {
    setUp(2, "0");
    const gate = join(shared.dir, "go");
    await linesOnFirstHost(gate);
    const tasks = openTaskStore(store!);
    try {
      const create = () => tasks.createTask({ name: "lines", project: "default", origin: "cli", workflow: "lines", workspace: "ws", goal: "", spec: { steps: [], vars: {}, targetFiles: [] }, queued: true }).id;
      // Paused from the home that follows: the step is stopped on the first host.
      const { shown, written, id } = await followUntilStopped(create, (id) => {
        const paused = hosts[1]!.run(["task", "pause", id]);
        expect(paused.stderr).toBe("");
        expect(paused.code).toBe(0);
      });
      expect(shown.at(-1), `logs -f ended at ${shown.at(-1)}; the step wrote up to ${written.at(-1)}`).toBe(written.at(-1));
      expect(shown).toEqual(written);
      expect(tasks.getTask(id)!.phase).toBe("Paused");
      // The runner let go of the task once the logs were copied.
      expect(tasks.getTask(id)!.claimedBy).toBeNull();
    } finally {
      writeFileSync(gate, "");
    }
  }, 300_000);

  it("task logs -f on one host shows every line of a step another host runs that a trigger's Replace cancelled", async () => {
    setUp(2, "0");
    const gate = join(shared.dir, "go");
    // Fired by hand only (its schedule is a year away); a new firing cancels the task still running.
    await linesOnFirstHost(gate, `apiVersion: orchestrator.dev/v2\nkind: Trigger\nmetadata:\n  name: again\nspec:\n  concurrencyPolicy: Replace\n  cron:\n    schedule: "0 0 1 1 *"\n  action:\n    workflow: lines\n    workspace: ws\n`);
    const tasks = openTaskStore(store!);
    const fire = (): string => {
      const fired = hosts[1]!.run(["trigger", "fire", "again"]);
      expect(fired.code, fired.stderr).toBe(0);
      return fired.stdout.trim();
    };
    try {
      const { shown, written, id } = await followUntilStopped(fire, () => void fire());
      expect(shown.at(-1), `logs -f ended at ${shown.at(-1)}; the step wrote up to ${written.at(-1)}`).toBe(written.at(-1));
      expect(shown).toEqual(written);
      expect(tasks.getTask(id)!.phase).toBe("Cancelled");
    } finally {
      writeFileSync(gate, "");
    }
  }, 300_000);

  it("orchestrator run on one host, with no controller: another host reads its step's log from the store", async () => {
    setUp(2, "0");
    writeFileSync(join(hosts[0]!.dir, "say.yaml"), workflow("say", "echo run-line-1; echo run-line-2"));
    expect(hosts[0]!.run(["apply", "-f", "say.yaml", "--no-daemon"]).code).toBe(0);
    const ran = hosts[0]!.run(["run", "--workflow", "say"]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toContain("running in this process");
    const id = /\((t-[^)\s]+)\)/.exec(ran.stderr)![1]!;
    // The second home never ran the step; its log reaches it only through the store.
    const logs = hosts[1]!.run(["task", "logs", id]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("run-line-1\nrun-line-2\n");
  }, 120_000);

  /**
   * The CLI on the second home as on another machine: in a mount namespace (bubblewrap) where the first home's log
   * folder is an empty tmpfs, so only the store can give it the first home's step logs. Ends with the test.
   */
  function onSecondHost(args: readonly string[]): { child: ChildProcess; output(): string; closed: Promise<number | null> } {
    const child = spawn("bwrap", [...hideFirstHostLogs(), "--", process.execPath, CLI, ...args], {
      cwd: hosts[1]!.dir,
      env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    others.push(child);
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    return { child, output: () => out, closed: new Promise((resolve) => child.on("close", resolve)) };
  }

  /** bubblewrap's arguments hiding the first home's `.orchestrator/logs` (which must exist) behind an empty tmpfs. */
  function hideFirstHostLogs(): string[] {
    return ["--dev-bind", "/", "/", "--tmpfs", join(hosts[0]!.dir, ".orchestrator", "logs"), "--die-with-parent"];
  }

  /** The second "host" cannot read the log file the first wrote: what it shows of it comes from the store. */
  function expectHiddenOnSecondHost(logPath: string): void {
    expect(existsSync(logPath)).toBe(true);
    expect(spawnSync("bwrap", [...hideFirstHostLogs(), "--", "test", "-e", logPath]).status).toBe(1);
  }

  it("the web view served from one home shows the lines of a step the controller on another home runs, from the store", async () => {
    setUp(2, "0");
    const gate = join(shared.dir, "go");
    mkdirSync(join(hosts[0]!.dir, ".orchestrator", "logs"), { recursive: true });
    writeFileSync(join(hosts[0]!.dir, "web.yaml"), workflow("web", `sh -c 'echo web-line-1; echo web-line-2; while [ ! -f ${gate} ]; do sleep 0.05; done; echo web-line-3'`));
    expect(hosts[0]!.run(["apply", "-f", "web.yaml", "--no-daemon"]).code).toBe(0);
    controllers.push(await startController(hosts[0]!.dir, ["--workers", "1"]));
    const tasks = openTaskStore(store!);
    const t = tasks.createTask({ name: "web", project: "default", origin: "cli", workflow: "web", workspace: "ws", goal: "", spec: { steps: [], vars: {}, targetFiles: [] }, queued: true });
    try {
      // Its run is recorded running a moment before the step's log file is opened.
      await until("the step to start on the first host", () => tasks.listRuns(t.id).some((r) => r.status === "running" && r.logPath !== null && existsSync(r.logPath)), 60_000);
      expectHiddenOnSecondHost(tasks.listRuns(t.id)[0]!.logPath!);
      // The second home runs no controller: `orchestrator ui` serves its web view.
      const ui = onSecondHost(["ui", "--bind", "127.0.0.1:0"]);
      await until("orchestrator ui to listen on the second home", () => /web view at http:\/\/\S+?\//.test(ui.output()), 60_000, () => ui.child.exitCode !== null && `ui exited ${ui.child.exitCode}:\n${ui.output()}`);
      const url = /web view at (http:\/\/\S+?)\//.exec(ui.output())![1]!;
      const logsText = async (): Promise<string> => (await fetch(`${url}/api/v1/tasks/${t.id}/logs`)).text();

      // The task's logs as text, while the step still runs on the first host.
      await expect.poll(logsText, { timeout: 60_000 }).toContain("web-line-2\n");
      const running = await logsText();
      expect(running).toMatch(/^==> step build \(run r-\S+\) <==\n/);
      expect(running).toContain("web-line-1\nweb-line-2\n");
      expect(tasks.getTask(t.id)!.phase).toBe("Running");

      // The task page, live: its log stream shows the lines so far, then the last one once the step goes on.
      browser = await launchBrowser();
      const { page } = browser;
      await page.goto(`${url}/tasks/${t.id}`);
      const logs = page.locator("[data-test=logs]");
      await expect.poll(() => logs.innerText(), { timeout: 60_000 }).toContain("web-line-2");
      expect(await page.locator("[data-test=log-state]").innerText()).toContain("live");
      writeFileSync(gate, "");
      await expect.poll(() => page.locator("[data-test=log-state]").innerText(), { timeout: 60_000 }).toContain("task finished");
      expect(await logs.innerText()).toMatch(/web-line-1\s+web-line-2\s+web-line-3/);
      expect(tasks.getTask(t.id)!.phase).toBe("Completed");
      expect(await logsText()).toContain("web-line-1\nweb-line-2\nweb-line-3\n");
    } finally {
      writeFileSync(gate, "");
    }
  }, 300_000);

  it("orchestrator run on one home, handing its task to the controller on another home, prints the step's lines from the store", async () => {
    setUp(2, "0");
    const gate = join(shared.dir, "go");
    mkdirSync(join(hosts[0]!.dir, ".orchestrator", "logs"), { recursive: true });
    writeFileSync(
      join(hosts[0]!.dir, "say.yaml"),
      docs(workflow("hold", `sh -c 'while [ ! -f ${gate} ]; do sleep 0.05; done'`), workflow("say", "sh -c 'echo fwd-line-1; sleep 0.5; echo fwd-line-2'")),
    );
    expect(hosts[0]!.run(["apply", "-f", "say.yaml", "--no-daemon"]).code).toBe(0);
    const tasks = openTaskStore(store!);
    try {
      // The second home's controller (one worker) is kept busy, so the task `run` queues goes to the first home's.
      const second = await startController(hosts[1]!.dir, ["--workers", "1"]);
      controllers.push(second);
      const hold = tasks.createTask({ name: "hold", project: "default", origin: "cli", workflow: "hold", workspace: "ws", goal: "", spec: { steps: [], vars: {}, targetFiles: [] }, queued: true });
      await until("the second home's controller to be busy", () => runningOn(String(second.child.pid), [hold.id]), 60_000);
      const first = await startController(hosts[0]!.dir, ["--workers", "1"]);
      controllers.push(first);

      const run = onSecondHost(["run", "--workflow", "say"]);
      const code = await run.closed;
      const out = run.output();
      expect(code, out).toBe(0);
      expect(out).toContain("queued on the running controller");
      const id = /\((t-[^)\s]+)\)/.exec(out)![1]!;
      // Run by the first home's controller, in a log file the second home cannot read.
      expect(tasks.getTask(id)!.phase).toBe("Completed");
      expect(store!.listEvents({ type: "task_started", taskId: id }).map((e) => String(e.actor).split(":")[1])).toEqual([String(first.child.pid)]);
      expectHiddenOnSecondHost(tasks.listRuns(id)[0]!.logPath!);
      expect(out).toMatch(/\n==> step build <==\n/);
      expect(out).toContain("\nfwd-line-1\nfwd-line-2\n");
    } finally {
      writeFileSync(gate, "");
    }
  }, 300_000);

  it("a cron trigger firing every second for 20 s on three controllers creates one task per firing", async () => {
    setUp(3, "0");
    const trig = `apiVersion: orchestrator.dev/v2\nkind: Trigger\nmetadata:\n  name: tick\nspec:\n  cron:\n    schedule: "*/1 * * * * *"\n  action:\n    workflow: wf\n    workspace: ws\n`;
    for (const h of hosts) controllers.push(await startController(h.dir, ["--workers", "2"]));
    writeFileSync(join(hosts[0]!.dir, "t.yaml"), trig);
    expect(hosts[0]!.run(["apply", "-f", "t.yaml", "--no-daemon"]).code).toBe(0);
    const fired = () => store!.listEvents({ type: "trigger_fired" });
    await until("a first firing", () => fired().length > 0);
    const first = Date.now();
    // Twenty seconds of firings: every firing is recorded, so their count says when that much has passed.
    await until("20 firings", () => fired().length >= 20, 120_000, () => false, () => `${fired().length} firing(s)`);
    writeFileSync(join(hosts[0]!.dir, "t.yaml"), trig.replace("spec:\n", "spec:\n  suspend: true\n"));
    expect(hosts[0]!.run(["apply", "-f", "t.yaml", "--no-daemon"]).code).toBe(0);
    const ticks = fired().map((e) => String(e.data?.["scheduledTime"]));
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.length).toBeGreaterThanOrEqual(15);
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil((Date.now() - first) / 1000) + 2);
    // The trigger's tasks are the only tasks made on this store: one per firing (history pruning deletes old ones, their events stay).
    const created = store!.listEvents({ type: "task_created" }).map((e) => e.taskId);
    expect(created.sort()).toEqual(fired().map((e) => e.taskId).sort());
  }, 300_000);

  it("a task-event trigger on three controllers fires once per event", async () => {
    setUp(3, "0");
    const deploy = workflow("deploy", "echo deployed");
    const trig = `apiVersion: orchestrator.dev/v2\nkind: Trigger\nmetadata:\n  name: after-wf\nspec:\n  event:\n    source: task_completed\n    filter:\n      workflow: wf\n  action:\n    workflow: deploy\n    workspace: ws\n`;
    writeFileSync(join(hosts[0]!.dir, "t.yaml"), docs(deploy, trig));
    expect(hosts[0]!.run(["apply", "-f", "t.yaml", "--no-daemon"]).code).toBe(0);
    // A lease short enough that heartbeats come often, long enough that a loaded machine renews it in time.
    for (const h of hosts) controllers.push(await startController(h.dir, ["--workers", "2"], { ORCHESTRATOR_LEASE_MS: "9000" }));
    const ids = createTasks(10).map((t) => t.id);
    const fired = () => store!.listEvents({ type: "trigger_fired" });
    await until("a firing per completed task", () => fired().length >= 10, 180_000, () => false, () => `${fired().length} firing(s); tasks: ${phaseCounts(ids)}`);
    expect(phases(ids).every((p) => p === "Completed")).toBe(true);
    // Every controller reads every event: let each renew its lease three times more before counting.
    const registry = controllerStoreOf(store!);
    const beats = new Map<number, Set<string>>();
    await until("three more heartbeats of every controller", () => {
      for (const c of registry.listControllers()) beats.set(c.pid, (beats.get(c.pid) ?? new Set()).add(c.heartbeatAt));
      return controllers.every((c) => (beats.get(c.child.pid!)?.size ?? 0) > 3);
    });
    expect(fired()).toHaveLength(10);
    // The only tasks made besides the ten are the firings' own, one each (the trigger's history pruning deletes old ones; their events stay).
    const others = store!.listEvents({ type: "task_created" }).map((e) => e.taskId).filter((id) => !ids.includes(id!));
    expect(others.sort()).toEqual(fired().map((e) => e.taskId).sort());
  }, 300_000);

  it("a signed webhook sent to any of three controllers creates its task once, and the task runs once", async () => {
    setUp(3, "0");
    const trig = `apiVersion: orchestrator.dev/v2\nkind: SecretStore\nmetadata:\n  name: hook-keys\nspec:\n  data:\n    k: "hook-secret"\n---\napiVersion: orchestrator.dev/v2\nkind: Trigger\nmetadata:\n  name: push\nspec:\n  event:\n    source: webhook\n    webhook:\n      secret:\n        fromRef: hook-keys\n  historyLimit: 20\n  action:\n    workflow: wf\n    workspace: ws\n`;
    writeFileSync(join(hosts[0]!.dir, "t.yaml"), trig);
    expect(hosts[0]!.run(["apply", "-f", "t.yaml", "--no-daemon"]).code).toBe(0);
    for (const h of hosts) controllers.push(await startController(h.dir, ["--workers", "2"]));
    const created: string[] = [];
    // Three deliveries to each controller: each checks the signature with the SecretStore it opens with its home's copy of the key.
    for (const c of controllers) {
      const url = `${await c.url()}/webhooks/push`;
      for (let i = 0; i < 3; i++) {
        const body = JSON.stringify({ n: `${c.child.pid}-${i}` });
        const res = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", "X-Hub-Signature-256": `sha256=${createHmac("sha256", "hook-secret").update(body).digest("hex")}` } });
        expect(res.status).toBe(202);
        created.push(((await res.json()) as { task: string }).task);
      }
    }
    expect(new Set(created).size).toBe(9);
    await until("every delivery's task to complete", () => phases(created).every((p) => p === "Completed"), 180_000, () => false, () => phaseCounts(created));
    const fired = store!.listEvents({ type: "trigger_fired" }).map((e) => e.taskId);
    expect(fired.sort()).toEqual([...created].sort());
    expect(store!.listEvents({ type: "task_created" }).map((e) => e.taskId).sort()).toEqual([...created].sort());
    const starts = marks().filter((l) => l.startsWith("start ")).map((l) => l.split(" ")[1]);
    expect(marks().filter((l) => l.startsWith("overlap "))).toEqual([]);
    expect(starts.sort()).toEqual([...created].sort());
  }, 300_000);

  it("one webhook delivery sent to three controllers at once (the same X-GitHub-Delivery) creates one task", async () => {
    setUp(3, "0");
    const trig = `apiVersion: orchestrator.dev/v2\nkind: Trigger\nmetadata:\n  name: open\nspec:\n  event:\n    source: webhook\n  historyLimit: 50\n  action:\n    workflow: wf\n    workspace: ws\n`;
    writeFileSync(join(hosts[0]!.dir, "t.yaml"), trig);
    expect(hosts[0]!.run(["apply", "-f", "t.yaml", "--no-daemon"]).code).toBe(0);
    for (const h of hosts) controllers.push(await startController(h.dir, ["--workers", "2"]));
    const urls = await Promise.all(controllers.map(async (c) => `${await c.url()}/webhooks/open`));
    const created: string[] = [];
    for (let i = 0; i < 8; i++) {
      const id = `race-${i}`;
      const answers = await Promise.all(
        urls.map(async (url) => {
          const res = await fetch(url, { method: "POST", body: "{}", headers: { "content-type": "application/json", "X-GitHub-Delivery": id } });
          return { status: res.status, json: (await res.json()) as { fired: boolean; reason?: string; task: string } };
        }),
      );
      const fired = answers.filter((a) => a.status === 202);
      expect({ id, fired: fired.length }).toEqual({ id, fired: 1 });
      const task = fired[0]!.json.task;
      // The others say so, naming the task the winner made.
      expect(answers.filter((a) => a.status === 200).map((a) => [a.json.reason, a.json.task])).toEqual([
        ["duplicate", task],
        ["duplicate", task],
      ]);
      created.push(task);
    }
    expect(new Set(created).size).toBe(8);
    const fired = store!.listEvents({ type: "trigger_fired" });
    expect(fired.map((e) => e.taskId).sort()).toEqual([...created].sort());
    expect(fired.map((e) => e.data?.["delivery"]).sort()).toEqual(created.map((_, i) => `race-${i}`).sort());
    expect(store!.listEvents({ type: "task_created" })).toHaveLength(8);
    await until("every task to complete", () => phases(created).every((p) => p === "Completed"), 180_000, () => false, () => phaseCounts(created));
  }, 300_000);

  it("a git source changed once is applied once, by one controller", async () => {
    setUp(3, "0");
    const repo = join(shared.dir, "repo");
    mkdirSync(repo);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "pipe", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } });
    git("init", "-q", "-b", "main");
    writeFileSync(join(repo, "a.yaml"), workspace("gws"));
    git("add", ".");
    git("commit", "-qm", "one");
    expect(hosts[0]!.run(["source", "add", "repo", "--git", repo, "--interval", "1s"]).code).toBe(0);
    // A short lease: each controller renews it every three seconds, which shows it has been running its loops.
    for (const h of hosts) controllers.push(await startController(h.dir, ["--workers", "1"], { ORCHESTRATOR_LEASE_MS: "9000" }));
    // Every home sees every live controller on the store, with its host, workers and heartbeat.
    const status = JSON.parse(hosts[1]!.run(["controller", "status", "-o", "json"]).stdout) as { controllers: Array<{ pid: number; workers: number; lastHeartbeat: string }> };
    expect(status.controllers.map((c) => c.pid).sort()).toEqual(controllers.map((c) => c.child.pid).sort());
    expect(status.controllers.every((c) => c.workers === 1 && /^\d{4}-/.test(c.lastHeartbeat))).toBe(true);
    const created = () => store!.listEvents({ type: "resource_created", kind: "Workspace", name: "gws" });
    await until("the source's first commit applied", () => created().length === 1);
    writeFileSync(join(repo, "a.yaml"), workspace("gws").replace('root_path: "."', 'root_path: "./sub"'));
    git("commit", "-qam", "two");
    const updated = () => store!.listEvents({ type: "resource_updated", kind: "Workspace", name: "gws" });
    await until("the change applied", () => updated().length >= 1);
    // Give the other controllers several chances to apply it again: until each has renewed its lease three times since.
    const registry = controllerStoreOf(store!);
    const beats = new Map<number, Set<string>>();
    await until("three more heartbeats of every controller", () => {
      for (const c of registry.listControllers()) beats.set(c.pid, (beats.get(c.pid) ?? new Set()).add(c.heartbeatAt));
      return controllers.every((c) => (beats.get(c.child.pid!)?.size ?? 0) > 3);
    });
    expect(created()).toHaveLength(1);
    expect(updated()).toHaveLength(1);
  }, 300_000);
});
