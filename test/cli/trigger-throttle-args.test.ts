/**
 * A Trigger's `throttle.minInterval` and `action.args` through the built CLI
 * and a real controller: firings sooner than the interval after the last
 * one are skipped and recorded, `trigger fire` is not held back; the
 * arguments become the created task's variables, and bad ones are refused
 * at apply with the file, line and field.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { docs, workflow, workspace } from "../reconcile/support/manifests.js";
import { initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, taskPhases, until, type RunningController, type TaskRow } from "../support/controller.js";

type Project = ReturnType<typeof initializedProject>;

interface EventRow {
  type: string;
  taskId: string | null;
  message: string;
  data: Record<string, unknown> | null;
}

const trigger = (name: string, body: string, action = "    workflow: wf\n    workspace: ws\n"): string =>
  `apiVersion: orchestrator.dev/v2\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n${body}  action:\n${action}`;
const everySecond = '  cron:\n    schedule: "*/1 * * * * *"\n';
const events = (p: Project, type: string): EventRow[] => (JSON.parse(p.run(["event", "list", "--type", type, "--limit", "1000", "-o", "json"]).stdout || '{"items":[]}') as { items: EventRow[] }).items;
const tasks = (p: Project): TaskRow[] => (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout) as { items: TaskRow[] }).items;
const status = (p: Project, name: string): Record<string, unknown> => (JSON.parse(p.run(["get", "trigger", name, "-o", "json"]).stdout) as { status?: Record<string, unknown> }).status ?? {};

function applied(p: Project, text: string): void {
  p.write("setup.yaml", text);
  const r = p.run(["apply", "-f", "setup.yaml"]);
  expect(r.stderr).not.toMatch(/error|warning/i);
  expect(r.code).toBe(0);
}

describe("Trigger throttle.minInterval", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  it("skips every tick sooner than the interval after the last firing, recording each; trigger fire is not held back", async () => {
    p = initializedProject();
    applied(p, docs(workspace("ws"), workflow("wf"), trigger("busy", `${everySecond}  throttle:\n    minInterval: 3600\n`)));
    controller = await startController(p.dir);
    const throttled = (): EventRow[] => events(p, "trigger_skipped").filter((e) => e.data?.["reason"] === "throttled");
    await until("two throttled ticks", () => throttled().length >= 2, undefined, undefined, () => `throttled ${throttled().length}, fired ${events(p, "trigger_fired").length}; tasks: ${taskPhases(p)}`);

    const fired = events(p, "trigger_fired");
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ data: { trigger: "busy", source: "cron" } });
    expect(tasks(p)).toHaveLength(1);
    const skip = throttled()[0]!;
    expect(skip.message).toMatch(/^trigger\/busy skipped a firing: throttled: the trigger last fired at \S+, less than throttle\.minInterval \(3600s\) ago; it may fire again from \S+$/);
    expect(skip.data).toMatchObject({ trigger: "busy", reason: "throttled", source: "cron", minInterval: 3600, lastFiringTime: expect.any(String), nextAllowed: expect.any(String) });
    expect(status(p, "busy")["lastSkipped"]).toMatchObject({ reason: "throttled" });

    // A person firing by hand is not held back, as a suspended trigger still fires by hand.
    const manual = p.run(["trigger", "fire", "busy"]);
    expect(manual.code, manual.stderr).toBe(0);
    expect(tasks(p)).toHaveLength(2);
  });

  it("lets a trigger without a throttle fire on every tick", async () => {
    p = initializedProject();
    applied(p, docs(workspace("ws"), workflow("wf"), trigger("free", `${everySecond}  concurrencyPolicy: Allow\n`)));
    controller = await startController(p.dir);
    await until("two firings", () => events(p, "trigger_fired").length >= 2, undefined, undefined, () => `fired ${events(p, "trigger_fired").length}, last skip: ${events(p, "trigger_skipped").at(-1)?.message ?? "none"}; tasks: ${taskPhases(p)}`);
    expect(events(p, "trigger_skipped").filter((e) => e.data?.["reason"] === "throttled")).toEqual([]);
  });
});

describe("Trigger action.args", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  it("become the created task's variables, over the payload's of the same name", async () => {
    p = initializedProject();
    const action = "    workflow: wf\n    workspace: ws\n    args:\n      env: [staging]\n      region: eu-west\n      payload_ref: pinned\n";
    applied(p, docs(workspace("ws"), workflow("wf", "'echo env={env} region={region} ref={payload_ref} > args.txt'"), trigger("deploy", "  event:\n    source: webhook\n", action)));
    const r = p.run(["trigger", "fire", "deploy", "--payload", '{"ref":"refs/heads/main"}']);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    controller = await startController(p.dir);
    await until("the fired task to complete", () => tasks(p).find((t) => t.id === id)?.phase === "Completed", undefined, undefined, () => taskPhases(p));
    expect(readFileSync(join(p.dir, "args.txt"), "utf8")).toBe("env=staging region=eu-west ref=pinned\n");
  });

  it("are refused at apply when a name lists several values or is the goal, naming the file, line and field; nothing is stored", () => {
    p = initializedProject();
    const action = "    workflow: wf\n    workspace: ws\n    args:\n      env: [staging, prod]\n      goal: ship\n";
    p.write("bad.yaml", docs(workspace("ws"), workflow("wf"), trigger("deploy", "  event:\n    source: webhook\n", action)));
    const r = p.run(["apply", "-f", "bad.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: trigger\/deploy: spec\.action\.args\.env: argument 'env' lists 2 values; a task variable takes one \(bad\.yaml:\d+:\d+\)\n\s+hint: give one value/);
    expect(r.stderr).toMatch(/error: trigger\/deploy: spec\.action\.args\.goal: the created task's goal is action\.goal, not an argument \(bad\.yaml:\d+:\d+\)\n\s+hint: move the value to action\.goal/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(p.run(["get", "triggers", "-o", "name"]).stdout).toBe("");
  });
});
