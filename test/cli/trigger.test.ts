/**
 * `trigger suspend|resume|fire`, `get triggers` and `describe trigger/X`
 * through the built CLI, with and without a real controller; and a chain of
 * event triggers stopped at the workflow's safety.max_spawn_depth.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_PAYLOAD_BYTES, parseTriggerPayload } from "../../src/cli/commands/trigger.js";
import { UsageError } from "../../src/cli/errors.js";
import { docs, workflow, workspace } from "../reconcile/support/manifests.js";
import { initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, taskPhases, until, type RunningController, type TaskRow } from "../support/controller.js";

type Project = ReturnType<typeof initializedProject>;

interface EventRow {
  id: number;
  type: string;
  taskId: string | null;
  message: string;
  data: Record<string, unknown> | null;
}

const V2 = "apiVersion: orchestrator.dev/v2";
const trigger = (name: string, body: string, action = "    workflow: wf\n    workspace: ws\n"): string =>
  `${V2}\nkind: Trigger\nmetadata:\n  name: ${name}\nspec:\n${body}  action:\n${action}`;
const everySecond = '  cron:\n    schedule: "*/1 * * * * *"\n';
const hourly = '  cron:\n    schedule: "0 * * * *"\n';
const onWebhook = "  event:\n    source: webhook\n";
const events = (p: Project, type: string): EventRow[] => (JSON.parse(p.run(["event", "list", "--type", type, "--limit", "1000", "-o", "json"]).stdout) as { items: EventRow[] }).items;
const firedBy = (p: Project, name: string): EventRow[] => events(p, "trigger_fired").filter((e) => e.data?.["trigger"] === name);
const tasks = (p: Project): TaskRow[] => (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout) as { items: TaskRow[] }).items;
const phaseOf = (p: Project, id: string): string | undefined => tasks(p).find((t) => t.id === id)?.phase;
/** Every task's id, phase and message, for a timeout message. */
/** How many times each trigger fired, and the last skip, for a timeout message. */
const firings = (p: Project): string => {
  const counts = new Map<string, number>();
  for (const e of events(p, "trigger_fired")) counts.set(String(e.data?.["trigger"]), (counts.get(String(e.data?.["trigger"])) ?? 0) + 1);
  const skipped = events(p, "trigger_skipped").at(-1);
  return `fired ${JSON.stringify(Object.fromEntries(counts))}${skipped ? `; last skip: ${skipped.message}` : ""}`;
};
const status = (p: Project, name: string): Record<string, unknown> => (JSON.parse(p.run(["get", "trigger", name, "-o", "json"]).stdout) as { status?: Record<string, unknown> }).status ?? {};

function applied(p: Project, file: string, text: string): void {
  p.write(file, text);
  const r = p.run(["apply", "-f", file]);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
}

describe("trigger fire", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  it("without a controller creates and queues the task, prints its id, and a controller started later runs it with the payload as variables", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf", "'echo ref={payload_ref} n={payload_count} > fired.txt'"), trigger("hook", onWebhook)));
    const r = p.run(["trigger", "fire", "hook", "--payload", '{"ref":"refs/heads/main","count":2}']);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^\S+$/);
    expect(r.stderr).toMatch(/^trigger\/hook fired: task\/trigger-hook-\S+ created: queued; no controller runs/m);
    expect(tasks(p).find((t) => t.id === id)).toMatchObject({ name: "trigger-hook", origin: "trigger", phase: "Pending", workflow: "wf" });

    controller = await startController(p.dir);
    await until("the fired task to complete", () => phaseOf(p, id) === "Completed", undefined, undefined, () => taskPhases(p));
    expect(readFileSync(join(p.dir, "fired.txt"), "utf8")).toBe("ref=refs/heads/main n=2\n");
    const [fired] = firedBy(p, "hook");
    expect(fired).toMatchObject({ taskId: id, data: { source: "manual" } });
    expect(fired!.message).toMatch(/fired \(manual by \S+@\S+\): created task/);
  });

  it("with a running controller the task runs at once; -o json names it; a suspended trigger still fires by hand", async () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), trigger("nightly", `${hourly}  suspend: true\n`)));
    controller = await startController(p.dir);
    const r = p.run(["trigger", "fire", "nightly", "-o", "json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { id: string; trigger: string; queued: boolean; controller: string };
    expect(out).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "TriggerFired", trigger: "nightly", queued: true, controller: "running" });
    await until("the fired task to complete", () => phaseOf(p, out.id) === "Completed", undefined, undefined, () => taskPhases(p));
    expect(tasks(p).find((t) => t.id === out.id)!.goal).toBe("Triggered by: nightly");
  });

  it("refuses bad input and firings its policy forbids, creating nothing", () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), trigger("once", `${hourly}  concurrencyPolicy: Forbid\n`)));
    expect(p.run(["trigger", "fire", "missing"])).toMatchObject({ code: 1, stderr: expect.stringMatching(/trigger\/missing not found in project 'default'; triggers there: once/) });
    expect(p.run(["trigger", "fire", "once", "--payload", "[1]"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--payload must be a JSON object/) });
    expect(p.run(["trigger", "fire", "once", "--payload", "{oops"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--payload is not valid JSON/) });
    expect(tasks(p)).toEqual([]);
    expect(p.run(["trigger", "fire", "once"]).code).toBe(0);
    // The first task is still pending (no controller): Forbid skips the second firing.
    const second = p.run(["trigger", "fire", "once"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/trigger\/once did not fire: a task of this trigger is still active \(\S+\) and concurrencyPolicy is Forbid/);
    expect(tasks(p)).toHaveLength(1);

    const described = p.run(["describe", "trigger/once"]).stdout;
    expect(described).toMatch(/Recent firings:\n\s+TIME\s+OUTCOME\s+SOURCE\s+TASK OR REASON\n.*fired\s+manual\s+task \S+\n.*skipped\s+manual\s+concurrent_task_active: a task of this trigger is still active/);
  });
});

describe("a manual firing's payload", () => {
  it("is a JSON object of at most 1 MiB, from --payload or the web view's body, and the error names where it came from", () => {
    expect(parseTriggerPayload('{"ref":"main"}')).toEqual({ ref: "main" });
    const fits = JSON.stringify({ blob: "é".repeat((MAX_PAYLOAD_BYTES - 20) / 2) });
    expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(parseTriggerPayload(fits)).toHaveProperty("blob");
    // Counted in bytes, not characters.
    const big = JSON.stringify({ blob: "é".repeat(MAX_PAYLOAD_BYTES / 2) });
    expect(() => parseTriggerPayload(big)).toThrow(UsageError);
    expect(() => parseTriggerPayload(big)).toThrow(new RegExp(`^--payload is ${Buffer.byteLength(big)} bytes; a payload may be at most ${MAX_PAYLOAD_BYTES} bytes$`));
    expect(() => parseTriggerPayload("[1]", "the payload")).toThrow(/^the payload must be a JSON object/);
    expect(() => parseTriggerPayload("null")).toThrow(/^--payload must be a JSON object/);
  });
});

describe("trigger suspend and resume", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  it("stop and restart a cron trigger's firings; a re-apply of its manifest keeps it suspended; get and describe show it", async () => {
    p = initializedProject();
    const setup = docs(workspace("ws"), workflow("wf"), trigger("tick", everySecond), trigger("clock", everySecond));
    applied(p, "setup.yaml", setup);
    controller = await startController(p.dir);
    await until("a first firing", () => firedBy(p, "tick").length >= 1, undefined, undefined, () => firings(p));

    const s = p.run(["trigger", "suspend", "tick"]);
    expect(s).toMatchObject({ code: 0, stdout: "trigger/tick suspended\n" });
    expect(p.run(["trigger", "suspend", "tick"]).stdout).toBe("trigger/tick was already suspended\n");
    await until("the scheduler to drop the next tick", () => status(p, "tick")["nextScheduleTime"] === undefined, undefined, undefined, () => `trigger/tick status ${JSON.stringify(status(p, "tick"))}`);
    // The same manifest again (as a sync would apply it) does not lift a suspension made at run time.
    expect(p.run(["apply", "-f", "setup.yaml"]).code).toBe(0);
    const count = firedBy(p, "tick").length;
    const clock = firedBy(p, "clock").length;
    await until("two more ticks of another trigger", () => firedBy(p, "clock").length >= clock + 2, undefined, undefined, () => `${firings(p)}; clock had fired ${clock} times before`);
    expect(firedBy(p, "tick")).toHaveLength(count);
    expect(status(p, "tick")["suspended"]).toMatchObject({ by: expect.stringMatching(/\S+@\S+/) });
    const table = p.run(["get", "triggers"]).stdout;
    expect(table).toMatch(/NAME\s+SCHEDULE\s+WORKFLOW\s+SUSPENDED\s+ACTIVE\s+LAST FIRING\s+NEXT FIRING\s+AGE/);
    expect(table).toMatch(/tick\s+\*\/1 \* \* \* \* \*\s+wf\s+true\s+\d+\s+\d+[smhd] ago\s+<none>/);
    expect(table).toMatch(/clock\s+\*\/1 \* \* \* \* \*\s+wf\s+false\s+\d+\s+\d+[smhd] ago\s+(in \d+s|now)/);
    expect(p.run(["describe", "trigger/tick"]).stdout).toMatch(/suspended:\n\s+time: \S+\n\s+by: \S+@\S+/);
    expect(events(p, "trigger_suspended")).toHaveLength(1);

    expect(p.run(["trigger", "resume", "tick"])).toMatchObject({ code: 0, stdout: "trigger/tick resumed\n" });
    await until("a firing after the resume", () => firedBy(p, "tick").length > count, undefined, undefined, () => `${firings(p)}; tick had fired ${count} times before; trigger/tick status ${JSON.stringify(status(p, "tick"))}`);
    expect(p.run(["trigger", "resume", "tick"]).stdout).toBe("trigger/tick was not suspended\n");
    expect(events(p, "trigger_resumed")).toHaveLength(1);
  });

  it("resume refuses a trigger its manifest suspends, and names the field", () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), trigger("off", `${hourly}  suspend: true\n`)));
    const r = p.run(["trigger", "resume", "off"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/trigger\/off is suspended by its manifest \(spec\.suspend: true\); set spec\.suspend to false/);
    expect(p.run(["get", "triggers"]).stdout).toMatch(/off\s+0 \* \* \* \*\s+wf\s+true\s+0\s+<none>\s+<none>/);
  });

  it("get shows an event trigger's source and a suspension made at run time", () => {
    p = initializedProject();
    applied(p, "setup.yaml", docs(workspace("ws"), workflow("wf"), trigger("hook", onWebhook)));
    expect(p.run(["trigger", "suspend", "hook"]).code).toBe(0);
    expect(p.run(["get", "trigger", "hook"]).stdout).toMatch(/hook\s+on webhook\s+wf\s+true/);
  });
});

describe("a chain of event triggers", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  it("A -> B -> A stops at the workflow's safety.max_spawn_depth, with a skip event saying so", async () => {
    p = initializedProject();
    const wf = (name: string): string => `${V2}\nkind: Workflow\nmetadata:\n  name: ${name}\nspec:\n  steps:\n    - id: build\n      command: echo ${name}\n  loop:\n    mode: once\n  safety:\n    max_spawn_depth: 2\n`;
    const after = (name: string, watched: string, run: string): string =>
      trigger(name, `  event:\n    source: task_completed\n    filter:\n      workflow: ${watched}\n`, `    workflow: ${run}\n    workspace: ws\n`);
    applied(p, "setup.yaml", docs(workspace("ws"), wf("wa"), wf("wb"), after("a", "wb", "wa"), after("b", "wa", "wb")));
    controller = await startController(p.dir);
    const root = p.run(["task", "create", "--workflow", "wa"]).stdout.trim();
    await until("the chain to be stopped", () => events(p, "trigger_skipped").length >= 1, undefined, undefined, () => `${firings(p)}; tasks: ${taskPhases(p)}`);

    const [skip] = events(p, "trigger_skipped");
    expect(skip!.data).toMatchObject({ trigger: "b", reason: "max_spawn_depth", depth: 3, limit: 2, source: "task_completed" });
    expect(skip!.message).toMatch(/trigger\/b skipped a firing: trigger chain depth 3 would exceed safety\.max_spawn_depth 2 of workflow 'wa'/);
    // root (wa, depth 0) -> b: wb (1) -> a: wa (2) -> b: refused.
    const made = tasks(p).filter((t) => t.origin === "trigger");
    expect(made.map((t) => t.workflow)).toEqual(["wb", "wa"]);
    expect(firedBy(p, "b").map((e) => e.data?.["depth"])).toEqual([1]);
    expect(firedBy(p, "a").map((e) => e.data?.["depth"])).toEqual([2]);
    expect(phaseOf(p, root)).toBe("Completed");
    await until("the last task to complete", () => made.every((t) => phaseOf(p, t.id) === "Completed"), undefined, undefined, () => taskPhases(p));
    expect(p.run(["describe", "trigger/b"]).stdout).toMatch(/skipped\s+task_completed\s+max_spawn_depth: trigger chain depth 3/);
  });
});

