import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { docs, workflow, workspace } from "../reconcile/support/manifests.js";
import { initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, tasksNamed, until, type RunningController } from "../support/controller.js";

type Project = ReturnType<typeof initializedProject>;

interface EventRow {
  id: number;
  type: string;
  taskId: string | null;
  data: Record<string, unknown> | null;
}

const V2 = "apiVersion: orchestrator.dev/v2";
/** A Trigger; `body` is the YAML under `spec:` besides the action, indented two spaces. */
const trigger = (name: string, body: string, action = "    workflow: wf\n    workspace: ws\n"): string =>
  `${V2}\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n${body}  action:\n${action}`;
const everySecond = '  cron:\n    schedule: "*/1 * * * * *"\n';
/** A step that runs until the test writes `release`: a task that is still active when the next second's firing comes. */
const HOLD = "'while [ ! -f release ]; do sleep 0.1; done'";

const tasksOf = tasksNamed;
const events = (p: Project, type: string): EventRow[] => (JSON.parse(p.run(["event", "list", "--type", type, "--limit", "1000", "-o", "json"]).stdout || '{"items":[]}') as { items: EventRow[] }).items;
const triggerStatus = (p: Project, name: string): Record<string, unknown> => (JSON.parse(p.run(["get", "trigger", name, "-o", "json"]).stdout) as { status?: Record<string, unknown> }).status ?? {};
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

function applied(p: Project, file: string, text: string): void {
  p.write(file, text);
  const r = p.run(["apply", "-f", file]);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
}

describe("the controller fires Triggers", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  it("fires a cron trigger at its ticks; the tasks run; a restart fires no tick twice", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf", "echo built >> built.log"), trigger("every", everySecond)));
    controller = await startController(p.dir);
    await until("a task of the trigger to complete", () => tasksOf(p, "trigger-every").some((t) => t.phase === "Completed"));
    await controller.stop();
    controller = await startController(p.dir);
    const before = events(p, "trigger_fired").length;
    await until("a firing after the restart", () => events(p, "trigger_fired").length > before);
    await controller.stop();
    controller = undefined;

    const fired = events(p, "trigger_fired");
    const ticks = fired.map((e) => e.data?.["scheduledTime"] as string);
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const t of ticks) expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    const tasks = tasksOf(p, "trigger-every");
    expect(tasks.every((t) => t.origin === "trigger" && t.workflow === "wf" && t.goal === "Triggered by: every")).toBe(true);
    expect(fired.map((e) => e.taskId)).toEqual(expect.arrayContaining(tasks.map((t) => t.id)));
    expect(readFileSync(join(p.dir, "built.log"), "utf8")).toContain("built\n");

    const status = triggerStatus(p, "every");
    expect(status).toMatchObject({ lastScheduleTime: ticks.at(-1), lastTaskId: fired.at(-1)!.taskId });
    const file = parse(readFileSync(join(p.dir, ".orchestrator/status/default/trigger/every.yaml"), "utf8")) as { status: Record<string, unknown> };
    expect(file.status).toMatchObject({ lastScheduleTime: ticks.at(-1), lastTaskId: fired.at(-1)!.taskId, active: expect.any(Array), origin: { appliedBy: "cli" } });
    expect(p.run(["get", "triggers"]).stdout).toMatch(/ACTIVE\s+LAST FIRING\s+NEXT FIRING/);
  });

  it("does not replay the ticks that fell while no controller ran: the first firing after a restart is the next tick", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), trigger("every", everySecond)));
    controller = await startController(p.dir);
    await until("a first firing", () => events(p, "trigger_fired").length >= 1);
    await controller.stop();
    controller = undefined;
    const before = events(p, "trigger_fired");
    const lastBefore = Date.parse(before.at(-1)!.data?.["scheduledTime"] as string);
    // Several whole ticks of the schedule pass with no controller: the behaviour under test.
    const stoppedAt = Date.now();
    await until("three ticks to pass with no controller", () => Date.now() >= stoppedAt + 3500);
    const restartedAt = Date.now();
    controller = await startController(p.dir);
    await until("a firing after the restart", () => events(p, "trigger_fired").length > before.length);
    await controller.stop();
    controller = undefined;

    const after = events(p, "trigger_fired").slice(before.length).map((e) => Date.parse(e.data?.["scheduledTime"] as string));
    expect(after.length).toBeGreaterThan(0);
    // No tick between the last one fired before the stop and the restart was made up.
    for (const t of after) expect(t).toBeGreaterThan(restartedAt);
    expect(after[0]! - lastBefore).toBeGreaterThanOrEqual(3000);
  });

  it("with no concurrencyPolicy (Allow), a firing starts another task while the last one still runs", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf", HOLD), trigger("busy", everySecond)));
    controller = await startController(p.dir);
    await until("two tasks of the trigger active at once", () => tasksOf(p, "trigger-busy").filter((t) => t.phase === "Running" || t.phase === "Pending").length >= 2);
    expect(events(p, "trigger_skipped")).toEqual([]);
    p.write("release", "");
  });

  it("Forbid skips a firing while the trigger's task still runs", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf", HOLD), trigger("slow", `${everySecond}  concurrencyPolicy: Forbid\n`)));
    controller = await startController(p.dir);
    await until("a skipped firing", () => events(p, "trigger_skipped").length >= 1);
    p.write("release", "");
    const skipped = events(p, "trigger_skipped")[0]!;
    expect(skipped.data).toMatchObject({ trigger: "slow", reason: "concurrent_task_active", source: "cron" });
    // One firing before the skip, and its task is the one that was still running.
    const firedBefore = events(p, "trigger_fired").filter((e) => e.id < skipped.id);
    expect(firedBefore).toHaveLength(1);
    expect(skipped.data?.["active"]).toEqual([firedBefore[0]!.taskId]);
    expect(triggerStatus(p, "slow")).toMatchObject({ lastSkipped: { reason: "concurrent_task_active" } });
  });

  it("Replace cancels the running task, killing its step's process, and starts the new one", async () => {
    p = initializedProject();
    const step = "'echo {task_id} $$ >> pids.log; exec sleep 30'";
    // A history long enough that no task of this test is pruned, however many ticks a slow machine lets pass.
    const keep = "  historyLimit:\n    successful: 1000\n    failed: 1000\n";
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf", step), trigger("replace", `${everySecond}  concurrencyPolicy: Replace\n${keep}`)));
    controller = await startController(p.dir);
    const pidOf = (id: string): number | undefined => {
      const line = (existsSync(join(p.dir, "pids.log")) ? readFileSync(join(p.dir, "pids.log"), "utf8") : "").split("\n").find((l) => l.startsWith(`${id} `));
      return line === undefined ? undefined : Number(line.split(" ")[1]);
    };
    let victim: TaskRow | undefined;
    await until("a task whose step had started to be cancelled by the next firing", () => {
      victim = tasksOf(p, "trigger-replace").find((t) => t.phase === "Cancelled" && pidOf(t.id) !== undefined);
      return victim !== undefined;
    });
    // No more firings while the processes are looked at.
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf", step), trigger("replace", `${everySecond}  concurrencyPolicy: Replace\n${keep}  suspend: true\n`)));
    await until("the cancelled task's step process to be gone", () => !alive(pidOf(victim!.id)!));
    const replacing = events(p, "trigger_fired").find((e) => (e.data?.["cancelled"] as string[]).includes(victim!.id));
    expect(replacing).toBeDefined();
    expect(tasksOf(p, "trigger-replace").map((t) => t.id)).toContain(replacing!.taskId);
    expect(events(p, "task_cancelled").some((e) => e.taskId === victim!.id)).toBe(true);
  });

  it("suspend: true stops the firings; the status no longer shows a next tick", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), trigger("pausable", everySecond)));
    controller = await startController(p.dir);
    await until("a first firing", () => events(p, "trigger_fired").length >= 1);
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), trigger("pausable", `${everySecond}  suspend: true\n`)));
    await until("the scheduler to see the suspension", () => triggerStatus(p, "pausable")["nextScheduleTime"] === undefined);
    const count = events(p, "trigger_fired").length;
    // Two ticks later, as a second trigger's firings show, still nothing new.
    applied(p, "clock.yaml", trigger("clock", everySecond));
    await until("two ticks of another trigger", () => events(p, "trigger_fired").filter((e) => e.data?.["trigger"] === "clock").length >= 2);
    expect(events(p, "trigger_fired").filter((e) => e.data?.["trigger"] === "pausable")).toHaveLength(count);
    expect(p.run(["get", "triggers"]).stdout).toMatch(/pausable\s+\*\/1 \* \* \* \* \*\s+wf\s+true/);
  });

  it("fires on task_completed of a task of the filtered workflow only", async () => {
    p = initializedProject();
    applied(
      p,
      "setup.yaml",
      docs(
        workspace("ws"),
        workflow("build", "echo build"),
        workflow("lint", "echo lint"),
        workflow("deploy", "echo deployed >> deployed.log"),
        trigger("deploy-after-build", "  event:\n    source: task_completed\n    filter:\n      workflow: build\n", "    workflow: deploy\n    workspace: ws\n"),
      ),
    );
    controller = await startController(p.dir);
    const lint = p.run(["task", "create", "--workflow", "lint", "--no-daemon"]).stdout.trim();
    await until("the lint task to complete", () => (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items as TaskRow[]).some((t) => t.id === lint && t.phase === "Completed"));
    const build = p.run(["task", "create", "--workflow", "build", "--no-daemon"]).stdout.trim();
    await until("the deploy task to complete", () => tasksOf(p, "trigger-deploy-after-build").some((t) => t.phase === "Completed"));

    const fired = events(p, "trigger_fired");
    expect(fired).toHaveLength(1);
    expect(fired[0]!.data).toMatchObject({ trigger: "deploy-after-build", source: "task_completed" });
    const [deploy] = tasksOf(p, "trigger-deploy-after-build");
    expect(deploy).toMatchObject({ workflow: "deploy", origin: "trigger" });
    expect(deploy!.goal).toContain(`"task_id":"${build}"`);
    expect(readFileSync(join(p.dir, "deployed.log"), "utf8")).toBe("deployed\n");
  });

  it("keeps only historyLimit finished tasks of a trigger; their events stay", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), trigger("pruned", `${everySecond}  historyLimit:\n    successful: 1\n    failed: 1\n`)));
    controller = await startController(p.dir);
    await until("three firings", () => events(p, "trigger_fired").length >= 3);
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), trigger("pruned", `${everySecond}  suspend: true\n  historyLimit:\n    successful: 1\n    failed: 1\n`)));
    await until("one finished task kept", () => {
      const tasks = tasksOf(p, "trigger-pruned");
      return tasks.length === 1 && tasks[0]!.phase === "Completed";
    });
    const deleted = events(p, "task_deleted").map((e) => e.taskId);
    const firedIds = events(p, "trigger_fired").map((e) => e.taskId!);
    expect(deleted.length).toBeGreaterThanOrEqual(2);
    for (const id of deleted) expect(firedIds).toContain(id);
    // The Task resources made for the deleted tasks are gone too.
    const resources = (JSON.parse(p.run(["get", "tasks", "-o", "json"]).stdout) as { items: { status?: { taskId?: string } }[] }).items;
    expect(resources.map((r) => r.status?.taskId).filter((id) => id && deleted.includes(id))).toEqual([]);
  });

  it("fires a filesystem trigger on a file created in a watched directory", async () => {
    p = initializedProject({ "inbox/.keep": "" });
    applied(
      p,
      "setup.yaml",
      docs(workspace("ws"), workflow("wf"), trigger("inbox", "  event:\n    source: filesystem\n    filter:\n      condition: payload_filename.endsWith('.md')\n    filesystem:\n      paths: [inbox]\n      events: [create]\n      debounce_ms: 100\n")),
    );
    controller = await startController(p.dir);
    // Files keep arriving until the watcher (started in the background) has seen one.
    let n = 0;
    await until("a firing for a markdown file", () => {
      p.write(`inbox/ignored-${n}.txt`, "x");
      p.write(`inbox/request-${n++}.md`, "please");
      return events(p, "trigger_fired").length >= 1;
    });
    const goals = tasksOf(p, "trigger-inbox").map((t) => t.goal);
    expect(goals.length).toBeGreaterThanOrEqual(1);
    for (const g of goals) expect(g).toMatch(/^Triggered by filesystem 'inbox': create request-\d+\.md$/);
  });
});
