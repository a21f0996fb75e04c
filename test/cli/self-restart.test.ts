/**
 * The self_restart builtin through the built CLI: in a workspace that is a
 * checkout of the orchestrator it rebuilds it (`npm run build`), checks the
 * new build answers, keeps it as the stable build, and hands the task to a
 * controller running the new build, which resumes it after the step (the
 * earlier steps are not run again) and records that it runs the rebuilt
 * CLI. The checkout here is a stand-in: its build writes a
 * `dist/src/cli/main.js` that notes each start and runs this repository's
 * CLI. Outside a checkout the step fails without running; a before_restart
 * invariant can stop the restart.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { readControllerLock } from "../../src/runtime/lock.js";
import { CLI, initializedProject, REPO_ROOT } from "../support/cli.js";
import { startController, startControllerCommand, stopAndRemove, tail, until, type RunningController } from "../support/controller.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const WORKSPACE = doc("Workspace", "w", '  root_path: "."\n');

const workflow = (extra = ""): string =>
  doc(
    "Workflow",
    "sb",
    `  steps:
    - id: before
      scope: task
      command: echo before >> steps.log
    - id: self_restart
      type: self_restart
      scope: task
      builtin: self_restart
      repeatable: false
    - id: after
      scope: task
      command: echo after >> steps.log
${extra}`,
  );

// A checkout of "the orchestrator": package.json named as this one, a build writing the CLI entry.
const NAME = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { name: string }).name;
const CHECKOUT = {
  "package.json": JSON.stringify({ name: NAME, version: "9.9.9", type: "module", bin: { orchestrator: "dist/src/cli/main.js" }, scripts: { build: "node build.mjs" } }),
  "build.mjs": `import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
mkdirSync("dist/src/cli", { recursive: true });
writeFileSync("dist/src/cli/main.js", ${JSON.stringify(`import { appendFileSync } from "node:fs";\nappendFileSync(new URL("../../../starts.log", import.meta.url), process.argv.slice(2).join(" ") + "\\n");\nawait import(${JSON.stringify(pathToFileURL(CLI).href)});\n`)});
appendFileSync("build.log", "built\\n");
`,
};

interface Event {
  type: string;
  message: string;
  data: Record<string, unknown>;
}

describe("self_restart", () => {
  let p: ReturnType<typeof initializedProject> | undefined;
  let controller: RunningController | undefined;
  let replacement: number | undefined;
  afterEach(async () => {
    // A controller that took over is not the test's child: find it by the lock, even when the test failed early.
    const lock = p ? readControllerLock(join(p.dir, ".orchestrator")) : undefined;
    if (lock?.alive && lock.pid !== controller?.child.pid) replacement = lock.pid;
    if (replacement) {
      try {
        process.kill(replacement, "SIGTERM");
      } catch {
        // already gone
      }
      await until("the restarted controller to stop", () => {
        try {
          process.kill(replacement!, 0);
          return false;
        } catch {
          return true;
        }
      }, undefined, undefined, () => `pid ${replacement} still answers signal 0`);
      replacement = undefined;
    }
    await stopAndRemove(controller, p);
    controller = undefined;
    p = undefined;
  });

  const events = (type: string): Event[] => JSON.parse(p!.run(["event", "list", "--type", type, "-o", "json"]).stdout).items as Event[];
  const task = (): { id: string; phase: string; message: string | null } => JSON.parse(p!.run(["task", "list", "-o", "json"]).stdout).items[0];
  const read = (rel: string): string => (existsSync(join(p!.dir, rel)) ? readFileSync(join(p!.dir, rel), "utf8") : "");

  it("rebuilds the checkout and hands the task to a controller on the new build, which resumes after the step", async () => {
    p = initializedProject({ ...CHECKOUT, "m.yaml": [WORKSPACE, workflow()].join("---\n") });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    controller = await startController(p.dir, ["--workers", "2"]);
    const first = controller.child.pid!;
    expect(p.run(["task", "create", "--workflow", "sb"]).code).toBe(0);
    await until("the task to complete", () => task()?.phase === "Completed", 120_000, () => (task()?.phase === "Failed" ? `failed: ${task().message}` : false), () => `task ${JSON.stringify(task())}; steps.log ${JSON.stringify(read("steps.log"))}; controller log: ${tail(controller!.log())}`);
    // The controller that took over holds the lock (and is stopped after the test).
    const lock = readControllerLock(join(p.dir, ".orchestrator"))!;
    if (lock.pid !== first) replacement = lock.pid;
    expect(lock.alive).toBe(true);
    expect(lock.pid).not.toBe(first);
    // The steps before the restart ran once; the one after ran on the new controller.
    expect(read("steps.log")).toBe("before\nafter\n");
    expect(read("build.log")).toBe("built\n");
    // The new build answered --help, then ran the controller that took over.
    // The replacement keeps the listeners' settings: the tests serve no web view
    // (ORCHESTRATOR_UI_BIND=none) and webhooks on a free loopback port.
    expect(read("starts.log")).toBe("--help\ncontroller --foreground --workers 2 --ui-bind none --webhook-bind 127.0.0.1:0\n");
    const entry = join(p.dir, "dist/src/cli/main.js");
    expect(events("self_restart_ready")[0]).toMatchObject({ data: { entry } });
    expect(events("self_restart_verified")[0]).toMatchObject({ data: { verified: true, expected: entry, requestedBy: first } });
    expect(events("binary_snapshot_taken")[0]?.message).toMatch(/^self_restart: dist \(1 files\) kept as the stable build$/);
    expect(JSON.parse(read(".orchestrator/stable/w/manifest.json"))).toMatchObject({ source: "dist", files: 1 });
    await until("the first controller to exit", () => controller!.child.exitCode !== null, undefined, undefined, () => `first controller still running; its log: ${tail(controller!.log())}`);
    expect(controller.child.exitCode).toBe(0);
    expect(controller.log()).toMatch(/self_restart of task t-\w+: restarting onto .*dist\/src\/cli\/main\.js/);
    expect(controller.log()).toMatch(new RegExp(`the controller on .*main\\.js takes over \\(pid ${lock.pid}\\)`));
  });

  it("in `run` without a controller: exits 75 with the task queued, and a controller on the new build finishes it", async () => {
    p = initializedProject({ ...CHECKOUT, "m.yaml": [WORKSPACE, workflow()].join("---\n") });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "sb"]);
    expect(r.code).toBe(75);
    const entry = join(p.dir, "dist/src/cli/main.js");
    expect(r.stderr).toContain(`self_restart rebuilt the orchestrator; the task is queued to continue on it: no controller runs: start one from the new build with \`node ${entry} controller\``);
    expect(task()).toMatchObject({ phase: "Pending", message: `requeued: self_restart: continues on the rebuilt orchestrator (${entry})` });
    expect(read("steps.log")).toBe("before\n");
    controller = await startControllerCommand(p.dir, [process.execPath, entry, "controller", "--foreground"]);
    await until("the task to complete", () => task().phase === "Completed", 60_000, undefined, () => `task ${JSON.stringify(task())}; steps.log ${JSON.stringify(read("steps.log"))}; controller log: ${tail(controller!.log())}`);
    expect(read("steps.log")).toBe("before\nafter\n");
    expect(events("self_restart_verified")[0]).toMatchObject({ data: { verified: true } });
  });

  it("fails without running outside a checkout of the orchestrator", () => {
    p = initializedProject({ "package.json": JSON.stringify({ name: "some-app", scripts: { build: "true" } }), "m.yaml": [WORKSPACE, workflow()].join("---\n") });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    expect(p.run(["run", "--workflow", "sb"]).code).toBe(1);
    const trace = p.run(["task", "trace", task().id]).stdout;
    expect(trace).toMatch(/self_restart.*could not start: self_restart rebuilds and restarts this orchestrator from the workspace, but .* is not a checkout of it/);
    expect(trace).toContain(`(no package.json named '${NAME}')`);
  });

  it("a before_restart invariant that halts stops the task before the restart", () => {
    p = initializedProject({
      ...CHECKOUT,
      "m.yaml": [
        WORKSPACE,
        workflow(`  safety:
    invariants:
      - name: no_restart_today
        command: "test -f allow-restart"
        check_at: [before_restart]
        on_violation: halt
`),
      ].join("---\n"),
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "sb"]);
    expect(r.code).toBe(1);
    expect(task().message).toMatch(/invariant 'no_restart_today' violated before the restart of step self_restart: command exited 1/);
    expect(read("steps.log")).toBe("before\n");
    expect(events("self_restart_ready")).toHaveLength(1);
  });
});
