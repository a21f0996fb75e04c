import { afterEach, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { initializedProject, REPO_ROOT } from "../support/cli.js";
import { alive, Controllers, info, spawnCli, tail, taskProject, until, withClosedStdout, type Project } from "./task-support.js";

const ENGINE = join(REPO_ROOT, "test/fixtures/manifests/engine");

describe("orchestrator run", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());
  const setup = (): void => {
    p = initializedProject({ "docs/qa/.keep": "" });
    const r = p.run(["apply", "-f", ENGINE]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  };

  it("runs a workflow in its own process, streams the output and exits 0", () => {
    setup();
    const r = p.run(["run", "--workflow", "three"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/planning[\s\S]*implementing[\s\S]*verifying/);
    expect(r.stderr).toMatch(/==> step plan <==/);
    expect(r.stderr).toMatch(/completed/);
    const runs = JSON.parse(p.run(["get", "runs", "-o", "json"]).stdout);
    expect(runs.items).toHaveLength(1);
    expect(runs.items[0].status.phase).toBe("Completed");
    expect(runs.items[0].status.steps.map((s: { id: string }) => s.id)).toEqual(["plan", "implement", "verify"]);
  });

  it("exits 1 when a step fails, and the failure is in the status", () => {
    setup();
    const r = p.run(["run", "--workflow", "failing"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("about to fail");
    const run = JSON.parse(p.run(["get", "runs", "-o", "json"]).stdout).items[0];
    expect(run.status.phase).toBe("Failed");
    expect(run.status.message).toMatch(/broken failed/);
  });

  it("runs only the filtered steps, in workflow order whatever the flag order", () => {
    setup();
    const r = p.run(["run", "--workflow", "three", "--step", "verify", "--step", "plan"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/planning[\s\S]*verifying/);
    expect(r.stdout).not.toContain("implementing");
  });

  it("rejects an unknown --step id before anything is created", () => {
    setup();
    const r = p.run(["run", "--workflow", "three", "--step", "nonexistent"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown step id 'nonexistent' in --step filter; available steps: plan, implement, verify");
    expect(p.run(["get", "runs", "-o", "name"]).stdout).toBe("");
  });

  it("rejects a --set without = or with an empty key as a usage error", () => {
    setup();
    expect(p.run(["run", "--workflow", "three", "--set", "novalue"]).code).toBe(2);
    expect(p.run(["run", "--workflow", "three", "--set", "=x"]).code).toBe(2);
  });

  for (const wf of ["record", "record-dq", "record-bare"]) {
    it(`passes a hostile goal to the agent as exact text (${wf}) and runs nothing`, () => {
      setup();
      const goal = "it's $(touch PWNED) and `touch PWNED2` ; rm -rf ~ ; \"q\" \\ $HOME !x";
      const out = join(p.dir, "received.txt");
      const r = p.run(["run", "--workflow", wf, "--goal", goal, "--set", `out=${out}`]);
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.code).toBe(0);
      expect(readFileSync(out, "utf8")).toBe(goal);
      expect(existsSync(join(p.dir, "PWNED"))).toBe(false);
      expect(existsSync(join(p.dir, "PWNED2"))).toBe(false);
    });
  }

  it("fails a step whose binary is missing with exit 127 and a readable message", () => {
    setup();
    const r = p.run(["run", "--workflow", "missing-binary"]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/not found/);
    const info = JSON.parse(p.run(["get", "runs", "-o", "json"]).stdout).items[0];
    expect(info.status.steps[0].exitCode).toBe(127);
  });

  it("kills a hanging step at its timeout and records timed_out", () => {
    setup();
    const t0 = Date.now();
    const r = p.run(["run", "--workflow", "hangs"]);
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const info = JSON.parse(p.run(["get", "runs", "-o", "json"]).stdout).items[0];
    expect(info.status.steps[0].status).toBe("timed_out");
  });

  it("assembles a one-step run from a template and an agent capability", () => {
    setup();
    const out = join(p.dir, "tpl.txt");
    const r = p.run(["run", "--template", "echo-goal", "--agent-capability", "record", "--goal", "direct", "--set", `out=${out}`]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("direct");
    expect(p.run(["run", "--template", "nope", "--agent-capability", "record"]).stderr).toContain("step template 'nope' not found");
    const noCap = p.run(["run", "--template", "echo-goal", "--agent-capability", "flying"]);
    expect(noCap.code).toBe(1);
    expect(noCap.stderr).toMatch(/no agent has capability 'flying'/);
  });
});

describe("orchestrator run: paused from another shell", { timeout: 120_000 }, () => {
  let p: Project;
  const controllers = new Controllers();
  afterEach(async () => {
    await controllers.stopAll();
    p?.cleanup();
  });

  /** Starts a controller on the project and waits until `controller status` says it runs. */
  async function controllerRunning(): Promise<void> {
    controllers.start(p);
    await until(() => p.run(["controller", "status", "-o", "json"]).stdout.match(/"running": ?true/) !== null, 60_000, "the controller to start", () => `controller status: ${JSON.stringify(p.run(["controller", "status", "-o", "json"]))}; controllers: ${tail(controllers.logs())}`);
  }

  /** Waits until the sleepy workflow's second step sleeps; returns the sleep's pid and the run's task id. */
  async function napping(): Promise<{ pid: number; id: string }> {
    const pidFile = join(p.dir, "sleep.pid");
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", 60_000, "the step to start sleeping", () =>
      `sleep.pid ${existsSync(pidFile) ? JSON.stringify(readFileSync(pidFile, "utf8")) : "absent"}; tasks: ${p.run(["task", "list"]).stdout}; controllers: ${tail(controllers.logs())}`);
    const id = p.run(["task", "list", "-o", "name"]).stdout.trim().replace(/^task\//, "");
    return { pid: Number(readFileSync(pidFile, "utf8").trim()), id };
  }

  for (const where of ["in its own process", "on a running controller"]) {
    it(`stops following, says how to resume and exits 3 (${where}); the step's processes are gone`, async () => {
      p = taskProject();
      if (where === "on a running controller") await controllerRunning();
      const run = spawnCli(p, ["run", "--workflow", "sleepy"]);
      const { pid, id } = await napping();
      expect(alive(pid)).toBe(true);
      expect(p.run(["task", "pause", id]).code).toBe(0);
      const r = await run.done;
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`paused: paused with \`orchestrator task pause\`; continue it with \`orchestrator task resume ${id}\`\n`);
      expect(alive(pid)).toBe(false);
      const j = info(p, id);
      expect(j.task.phase).toBe("Paused");
      expect(j.runs.map((x) => [x.step, x.status])).toEqual([
        ["first", "succeeded"],
        ["nap", "cancelled"],
      ]);
    });
  }

  it("on a running controller, prints every line the step wrote before the pause stopped it, then exits 3", async () => {
    p = taskProject();
    await controllerRunning();
    const run = spawnCli(p, ["run", "--workflow", "stream"]);
    try {
      await until(() => run.stdout().includes("line-5\n"), 60_000, "the step's fifth line", () =>
        `run stdout ${JSON.stringify(tail(run.stdout()))}, stderr ${JSON.stringify(tail(run.stderr()))}, exit ${run.child.exitCode}; tasks: ${p.run(["task", "list"]).stdout}`);
      const id = p.run(["task", "list", "-o", "name"]).stdout.trim().replace(/^task\//, "");
      expect(p.run(["task", "pause", id]).code).toBe(0);
      const r = await run.done;
      expect(r.code).toBe(3);
      const step = info(p, id).runs[0]!;
      expect(step.status).toBe("cancelled");
      // The step's own log file: every line it wrote before it was stopped, the last included.
      const written = readFileSync(step.logPath!, "utf8").split("\n").filter((l) => l.startsWith("line-"));
      const shown = r.stdout.split("\n").filter((l) => l.startsWith("line-"));
      expect(shown.at(-1), `run ended at ${shown.at(-1)}; the step wrote up to ${written.at(-1)}`).toBe(written.at(-1));
      expect(shown).toEqual(written);
    } finally {
      p.write("stream.stop", "");
    }
  });
});

describe("orchestrator run: step headers", { timeout: 120_000 }, () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  it("announces a builtin step, which has no log, with how it ended", () => {
    p = taskProject();
    const r = p.run(["run", "--workflow", "builtins"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/==> step warmup \(builtin init_once\) succeeded: .+\n==> step say <==\n/);
    expect(r.stdout).toContain("said\n");
  });
});

describe("orchestrator run: output pipe closed", { timeout: 120_000 }, () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  it("cancels the work it runs in its own process, as Ctrl-C would, without a stack trace", async () => {
    p = taskProject();
    const r = await withClosedStdout(p, ["run", "--workflow", "ticker"]);
    expect(r.stderr).not.toContain("EPIPE");
    expect(r.code).toBe(130);
    const id = p.run(["task", "list", "-o", "name"]).stdout.trim().replace(/^task\//, "");
    expect(info(p, id).task).toMatchObject({ phase: "Cancelled", message: "cancelled: the output pipe was closed" });
  });
});
