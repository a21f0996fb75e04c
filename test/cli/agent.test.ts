/**
 * `agent list|cordon|uncordon|drain` through the built CLI: health from the
 * runs the store recorded, no step for an agent its manifest disables, no
 * new step for a cordoned or draining agent,
 * the state kept across a restart of a real controller, and drain waiting
 * for a running step or ending it after --timeout.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, taskPhases, until, type RunningController, type TaskRow } from "../support/controller.js";
import { info } from "./task-support.js";

type Project = ReturnType<typeof initializedProject>;

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const agent = (name: string, caps: string, command: string): string => doc("Agent", name, `  capabilities: [${caps}]\n  command: ${command}\n`);
const flow = (name: string, capability: string): string => doc("Workflow", name, `  steps:\n    - id: work\n      scope: task\n      required_capability: ${capability}\n`);
/** A step that runs until the test writes `release`. */
const HOLD = "\"sh -c 'while [ ! -f release ]; do sleep 0.1; done; echo released'\"";

interface AgentJson {
  name: string;
  project: string;
  state: string;
  enabled: boolean;
  by: string | null;
  health: { runs: number; successRate: number | null; consecutiveFailures: number; currentLoad: number; lastError: { exitCode: number | null; reason: string | null } | null };
}
const agents = (p: Project, ...args: string[]): AgentJson[] => (JSON.parse(p.run(["agent", "list", "-o", "json", ...args]).stdout) as { items: AgentJson[] }).items;
const agentNamed = (p: Project, name: string): AgentJson => agents(p).find((a) => a.name === name)!;
const tasks = (p: Project): TaskRow[] => (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout) as { items: TaskRow[] }).items;
/** Every task's id, phase and message, for a timeout message. */
/** Every agent's state and load, for a timeout message. */
const agentLine = (p: Project): string => agents(p).map((a) => `${a.name} ${a.state} load ${a.health.currentLoad}`).join("; ") || "no agents";
const runAgents = (p: Project, id: string): Array<string | null | undefined> => (info(p, id).runs as Array<{ agent?: string | null }>).map((r) => r.agent);
const setup = (p: Project, ...docs: string[]): void => {
  p.write("m.yaml", [doc("Workspace", "w", `  root_path: "."\n  qa_targets: []\n`), ...docs].join("---\n"));
  const r = p.run(["apply", "-f", "m.yaml"]);
  expect(r.code, r.stderr).toBe(0);
};

describe("agent list", () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  it("shows each agent's state and health: success rate, consecutive failures, load and last error", () => {
    p = initializedProject();
    setup(p, agent("steady", "build", "echo built"), agent("flaky", "test", "\"sh -c 'echo broken >&2; exit 3'\""), agent("idle", "docs", "echo docs"), flow("build", "build"), flow("test", "test"));
    expect(p.run(["run", "--workflow", "build"]).code).toBe(0);
    expect(p.run(["run", "--workflow", "test"]).code).toBe(1);
    expect(p.run(["run", "--workflow", "test"]).code).toBe(1);

    const steady = agentNamed(p, "steady");
    expect(steady).toMatchObject({ project: "default", state: "active", by: null, health: { runs: 1, successRate: 1, consecutiveFailures: 0, currentLoad: 0, lastError: null } });
    const flaky = agentNamed(p, "flaky");
    expect(flaky).toMatchObject({ state: "active", health: { runs: 2, successRate: 0, consecutiveFailures: 2, currentLoad: 0, lastError: { exitCode: 3 } } });
    expect(agentNamed(p, "idle").health).toMatchObject({ runs: 0, successRate: null });

    const table = p.run(["agent", "list"]).stdout;
    expect(table).toMatch(/NAME\s+STATE\s+SUCCESS RATE\s+CONSECUTIVE FAILURES\s+LOAD\s+LAST ERROR/);
    expect(table).toMatch(/steady\s+active\s+100% of 1\s+0\s+0\s+<none>/);
    expect(table).toMatch(/flaky\s+active\s+0% of 2\s+2\s+0\s+.*\(exit 3\)/);
    expect(table).toMatch(/idle\s+active\s+-\s+0\s+0\s+<none>/);
    expect(p.run(["agent", "ls", "-o", "yaml"]).stdout).toMatch(/^apiVersion: orchestrator.dev\/v2\nkind: List\nitems:\n\s+- apiVersion: orchestrator.dev\/v2\n\s+kind: AgentStatus\n\s+name: /);
    expect(p.run(["agent", "list", "-o", "name"]).stdout).toBe("agent/flaky\nagent/idle\nagent/steady\n");
    expect(p.run(["agent", "list", "--project", "nope"]).stderr).toMatch(/No agents found in project 'nope'/);
  });
});

describe("an agent with enabled: false", () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  const disabled = (name: string, caps: string, command: string, cost = 0): string => doc("Agent", name, `  capabilities: [${caps}]\n  command: ${command}\n  enabled: false\n  metadata:\n    cost: ${cost}\n`);

  it("is never chosen for a step, however it would score; agent list shows it disabled", () => {
    p = initializedProject();
    // The disabled agent is the cheaper one: only enabled: false keeps it out.
    setup(p, disabled("cheap", "build", "echo cheap built"), doc("Agent", "steady", "  capabilities: [build]\n  command: echo steady built\n  metadata:\n    cost: 90\n"), flow("build", "build"));
    for (let i = 0; i < 3; i++) expect(p.run(["run", "--workflow", "build"]).code).toBe(0);
    const ids = tasks(p).map((t) => t.id);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(runAgents(p, id)).toEqual(["steady"]);

    expect(agentNamed(p, "cheap")).toMatchObject({ state: "active", enabled: false, health: { runs: 0 } });
    expect(agentNamed(p, "steady")).toMatchObject({ state: "active", enabled: true });
    const table = p.run(["agent", "list"]).stdout;
    expect(table).toMatch(/cheap\s+disabled\s+-/);
    expect(table).toMatch(/steady\s+active\s+100% of 3/);
    // Cordoned as well: both are said.
    expect(p.run(["agent", "cordon", "cheap"]).code).toBe(0);
    expect(p.run(["agent", "list"]).stdout).toMatch(/cheap\s+disabled, cordoned\s+-/);
  });

  it("leaves a step no other agent can take failing with a reason that names it, never succeeding; enabling it in the manifest lets the step run", () => {
    p = initializedProject();
    setup(p, disabled("only", "build", "\"sh -c 'echo ran > ran.txt'\""), flow("build", "build"));
    const r = p.run(["run", "--workflow", "build"]);
    expect(r.code).toBe(1);
    const [task] = tasks(p);
    expect(task!.phase).toBe("Failed");
    const run = (info(p, task!.id).runs as Array<{ status: string; reason?: string }>)[0]!;
    expect(run).toMatchObject({ status: "failed", reason: "could not start: no schedulable agent has capability 'build' in project 'default': only is disabled" });
    expect(r.stderr).toContain("only is disabled");
    expect(existsSync(join(p.dir, "ran.txt"))).toBe(false);

    // `check` says the same before anything runs.
    const check = p.run(["check"]);
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toMatch(/spec\.steps\[0\]\.required_capability: no schedulable agent has capability 'build' in project 'default': only has it but is disabled \(spec\.enabled: false\)/);

    setup(p, agent("only", "build", "\"sh -c 'echo ran > ran.txt'\""), flow("build", "build"));
    expect(p.run(["run", "--workflow", "build"]).code).toBe(0);
    expect(existsSync(join(p.dir, "ran.txt"))).toBe(true);
    expect(agentNamed(p, "only")).toMatchObject({ enabled: true });
  });
});

describe("agent cordon and uncordon", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  it("a cordoned agent gets no new step; the state survives a controller restart; uncordon undoes it", async () => {
    p = initializedProject();
    setup(p, agent("alpha", "build", "echo alpha built"), agent("beta", "build", "echo beta built"), flow("build", "build"));
    expect(p.run(["agent", "cordon", "alpha"])).toMatchObject({ code: 0, stdout: "agent/alpha cordoned\n" });
    expect(p.run(["agent", "cordon", "alpha"]).stdout).toBe("agent/alpha is already cordoned\n");
    expect(agentNamed(p, "alpha")).toMatchObject({ state: "cordoned", by: expect.stringMatching(/\S+@\S+/) });

    controller = await startController(p.dir);
    await controller.stop();
    controller = await startController(p.dir);
    const ids = [0, 1, 2].map(() => p.run(["task", "create", "--workflow", "build"]).stdout.trim());
    await until("the tasks to complete", () => ids.every((id) => tasks(p).find((t) => t.id === id)?.phase === "Completed"), undefined, undefined, () => taskPhases(p));
    for (const id of ids) expect(runAgents(p, id)).toEqual(["beta"]);

    // Every agent with the capability cordoned: the step cannot start, and says why.
    expect(p.run(["agent", "cordon", "beta"]).code).toBe(0);
    const blocked = p.run(["task", "create", "--workflow", "build"]).stdout.trim();
    await until("the task to fail", () => tasks(p).find((t) => t.id === blocked)?.phase === "Failed", undefined, undefined, () => taskPhases(p));
    const reason = (info(p, blocked).runs as Array<{ reason?: string }>)[0]!.reason;
    expect(reason).toMatch(/no schedulable agent has capability 'build' in project 'default': alpha is cordoned, beta is cordoned/);

    expect(p.run(["agent", "uncordon", "alpha"])).toMatchObject({ code: 0, stdout: "agent/alpha uncordoned\n" });
    expect(p.run(["agent", "uncordon", "alpha"]).stdout).toBe("agent/alpha was not cordoned\n");
    const again = p.run(["task", "create", "--workflow", "build"]).stdout.trim();
    await until("the task to complete", () => tasks(p).find((t) => t.id === again)?.phase === "Completed", undefined, undefined, () => taskPhases(p));
    expect(runAgents(p, again)).toEqual(["alpha"]);
    const types = (JSON.parse(p.run(["event", "list", "-o", "json", "--limit", "500"]).stdout) as { items: Array<{ type: string }> }).items.map((e) => e.type).filter((t) => t.startsWith("agent_"));
    expect(types).toEqual(["agent_cordoned", "agent_cordoned", "agent_uncordoned"]);
    expect(p.run(["event", "list", "--type", "agent_cordoned"]).code).toBe(0);
  });

  it("cordoned: true in the manifest cordons too, and only the manifest lifts it", () => {
    p = initializedProject();
    setup(p, doc("Agent", "parked", "  capabilities: [build]\n  command: echo hi\n  cordoned: true\n"), flow("build", "build"));
    expect(agentNamed(p, "parked")).toMatchObject({ state: "cordoned", by: "manifest (spec.cordoned)" });
    expect(p.run(["run", "--workflow", "build"]).code).not.toBe(0);
    expect(p.run(["agent", "uncordon", "parked"])).toMatchObject({ code: 1, stderr: expect.stringMatching(/cordoned by its manifest \(spec\.cordoned: true\)/) });
  });

  it("refuses an agent that does not exist, naming the ones that do", () => {
    p = initializedProject();
    setup(p, agent("alpha", "build", "echo hi"));
    expect(p.run(["agent", "cordon", "ghost"])).toMatchObject({ code: 1, stderr: expect.stringMatching(/agent\/ghost not found in project 'default'; agents there: alpha/) });
    expect(p.run(["agent", "drain", "alpha", "--timeout", "soon"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--timeout: invalid duration 'soon'/) });
  });
});

describe("agent drain", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  it("waits for the agent's running step, giving it no new one meanwhile, then leaves it drained", async () => {
    p = initializedProject();
    setup(p, agent("slow", "hold", HOLD), agent("other", "hold", HOLD), flow("hold", "hold"));
    expect(p.run(["agent", "cordon", "other"]).code).toBe(0);
    controller = await startController(p.dir);
    const first = p.run(["task", "create", "--workflow", "hold"]).stdout.trim();
    await until("slow to run the step", () => agentNamed(p, "slow").health.currentLoad === 1, undefined, undefined, () => `agents: ${agentLine(p)}; tasks: ${taskPhases(p)}`);

    const drain = spawn(process.execPath, [CLI, "agent", "drain", "slow"], { cwd: p.dir, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    drain.stdout.on("data", (d) => (out += d));
    drain.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((r) => drain.once("exit", (code) => r(code)));
    await until("drain to wait for the step", () => /waiting for 1 running step\(s\) \(step work of task /.test(out), undefined, undefined, () => `drain ${drain.exitCode === null ? "running" : `exited ${drain.exitCode}`}, output: ${JSON.stringify(out)}`);
    expect(agentNamed(p, "slow").state).toBe("draining");
    // A new step while slow drains (and other is cordoned) cannot start.
    const second = p.run(["task", "create", "--workflow", "hold"]).stdout.trim();
    await until("the second task to fail", () => tasks(p).find((t) => t.id === second)?.phase === "Failed", undefined, undefined, () => taskPhases(p));
    expect((info(p, second).runs as Array<{ reason?: string }>)[0]!.reason).toMatch(/other is cordoned, slow is draining/);

    p.write("release", "");
    expect(await exited).toBe(0);
    expect(out).toMatch(/agent\/slow drained; `orchestrator agent uncordon slow` makes it schedulable again/);
    expect(tasks(p).find((t) => t.id === first)?.phase).toBe("Completed");
    expect(agentNamed(p, "slow").state).toBe("drained");
  });

  it("ends the steps still running after --timeout, and the run says so", async () => {
    p = initializedProject();
    setup(p, agent("stuck", "hold", HOLD), flow("hold", "hold"));
    controller = await startController(p.dir);
    const id = p.run(["task", "create", "--workflow", "hold"]).stdout.trim();
    await until("the step to run", () => agentNamed(p, "stuck").health.currentLoad === 1, undefined, undefined, () => `agents: ${agentLine(p)}; tasks: ${taskPhases(p)}`);
    const r = p.run(["agent", "drain", "stuck", "--timeout", "1"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/timeout: ending 1 step\(s\) of agent\/stuck: step work of task /);
    expect(r.stdout).toMatch(/agent\/stuck drained \(1 step\(s\) ended after the timeout\)/);
    await until("the task to fail", () => tasks(p).find((t) => t.id === id)?.phase === "Failed", undefined, undefined, () => taskPhases(p));
    const run = (info(p, id).runs as Array<{ reason?: string; status: string }>)[0]!;
    expect(run).toMatchObject({ status: "failed", reason: expect.stringMatching(/ended: agent stuck was drained \(agent drain --timeout\)/) });
    expect(agentNamed(p, "stuck")).toMatchObject({ state: "drained", health: { currentLoad: 0 } });
  });
});
