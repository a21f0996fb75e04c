import { existsSync, readdirSync, readFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agent, docs, task, workflow, workspace } from "../reconcile/support/manifests.js";
import { isolateGit, makeUpstream } from "../reconcile/git/git-fixture.js";
import { initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, tasksNamed, until, type RunningController } from "../support/controller.js";

type Project = ReturnType<typeof initializedProject>;

const agentNames = (p: Project): string => p.run(["get", "agents", "-o", "name"]).stdout;
const statusFile = (p: Project, rel: string): Record<string, unknown> & { status: Record<string, unknown> } =>
  parse(readFileSync(join(p.dir, ".orchestrator/status", rel), "utf8"));
/** Task records of a committed Task, oldest first. */
const runsOf = tasksNamed;

describe("the controller follows sources", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  it("applies the manifests/ directory at start and on every change, with a status file for every resource and none in the source", async () => {
    p = initializedProject({ "manifests/a.yaml": docs(agent("a"), workspace("ws")) });
    controller = await startController(p.dir);
    await until("agent a", () => agentNames(p) === "agent/a\n");

    p.write("manifests/b.yaml", agent("b"));
    await until("agent b", () => agentNames(p) === "agent/a\nagent/b\n");
    p.write("manifests/a.yaml", workspace("ws"));
    await until("agent a pruned", () => agentNames(p) === "agent/b\n");

    expect(statusFile(p, "default/agent/b.yaml").status).toMatchObject({
      observedGeneration: 1,
      conditions: [expect.objectContaining({ type: "Ready", status: "True" })],
      origin: { appliedBy: "source:default", source: "default", file: "b.yaml", line: 1 },
    });
    expect(existsSync(join(p.dir, ".orchestrator/status/default/workspace/ws.yaml"))).toBe(true);
    expect(existsSync(join(p.dir, ".orchestrator/status/default/agent/a.yaml"))).toBe(false);
    expect(readdirSync(join(p.dir, "manifests")).sort()).toEqual(["a.yaml", "b.yaml"]);
    expect(JSON.parse(p.run(["source", "status", "default", "-o", "json"]).stdout)).toMatchObject({
      kind: "Source",
      metadata: { name: "default" },
      status: { conditions: expect.arrayContaining([expect.objectContaining({ type: "Ready", status: "True" })]) },
    });
  });

  it("answers `orchestrator reconcile` with the pass it ran", async () => {
    p = initializedProject({ "manifests/a.yaml": agent("a") });
    controller = await startController(p.dir);
    await until("agent a", () => agentNames(p) === "agent/a\n");
    const r = p.run(["reconcile", "default", "-o", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results).toEqual([expect.objectContaining({ source: "default", ready: true })]);
  });
});

describe("the controller follows a git remote", () => {
  let p: Project;
  let controller: RunningController | undefined;
  let root: string;
  let restore: () => void;
  beforeEach(() => ({ root, restore } = isolateGit()));
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    p?.cleanup();
    restore();
  });

  it("applies each pushed commit at its interval, and at once on `reconcile`", async () => {
    const up = makeUpstream(root);
    up.write("deploy/a.yaml", agent("a"));
    up.write("slow/s1.yaml", agent("s1"));
    up.commit("a");
    up.push();
    p = initializedProject();
    expect(p.run(["source", "add", "repo", "--git", up.bare, "--path", "deploy", "--interval", "1s"]).code).toBe(0);
    expect(p.run(["source", "add", "slow", "--git", up.bare, "--path", "slow", "--interval", "1h"]).code).toBe(0);
    controller = await startController(p.dir);
    await until("the first commit", () => agentNames(p) === "agent/a\nagent/s1\n");

    up.write("deploy/b.yaml", agent("b"));
    up.write("slow/s2.yaml", agent("s2"));
    const second = up.commit("b");
    up.push();
    await until("the pushed commit, at the interval", () => agentNames(p).includes("agent/b\n"));
    expect(p.run(["describe", "agent/b"]).stdout).toContain(`@ ${second.slice(0, 12)}`);
    // The source read hourly has not seen it; `reconcile` brings it in now.
    expect(agentNames(p)).not.toContain("agent/s2");
    const r = p.run(["reconcile", "slow"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(agentNames(p)).toBe("agent/a\nagent/b\nagent/s1\nagent/s2\n");
  });
});

describe("committed Tasks run once per generation", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  it("never again on re-sync, restart or an unrelated change; again when its spec changes", async () => {
    p = initializedProject({
      "manifests/base.yaml": docs(workspace("ws"), workflow("wf", "echo built >> built.log")),
      "manifests/task.yaml": task("t1", "first"),
    });
    controller = await startController(p.dir);
    await until("the first run", () => runsOf(p, "t1").some((t) => t.phase === "Completed"));
    expect(statusFile(p, "default/task/t1.yaml").status).toMatchObject({ phase: "Completed", observedGeneration: 1, generation: 1 });

    // An unrelated change, a sync, a restart: no second run.
    p.write("manifests/base.yaml", docs(workspace("ws"), workflow("wf", "echo built >> built.log"), agent("unrelated")));
    await until("the unrelated change", () => agentNames(p) === "agent/unrelated\n");
    expect(p.run(["sync"]).code).toBe(0);
    await controller.stop();
    controller = await startController(p.dir);
    expect(p.run(["reconcile"]).code).toBe(0);
    utimesSync(join(p.dir, "manifests/task.yaml"), new Date(), new Date());
    expect(p.run(["reconcile"]).code).toBe(0);
    expect(runsOf(p, "t1")).toHaveLength(1);
    expect(readFileSync(join(p.dir, "built.log"), "utf8")).toBe("built\n");

    // A new generation runs.
    p.write("manifests/task.yaml", task("t1", "second"));
    await until("the second generation's run", () => runsOf(p, "t1").filter((t) => t.phase === "Completed").length === 2);
    expect(statusFile(p, "default/task/t1.yaml").status).toMatchObject({ phase: "Completed", observedGeneration: 2, generation: 2 });
    expect(readFileSync(join(p.dir, "built.log"), "utf8")).toBe("built\nbuilt\n");
  });

  it("runs a Task applied by hand while the controller runs", async () => {
    p = initializedProject({ "setup.yaml": docs(workspace("ws"), workflow("wf")), "task.yaml": task("by-hand") });
    expect(p.run(["apply", "-f", "setup.yaml"]).code).toBe(0);
    controller = await startController(p.dir);
    const r = p.run(["apply", "-f", "task.yaml"]);
    expect(r.code).toBe(0);
    await until("the task to complete", () => runsOf(p, "by-hand").some((t) => t.phase === "Completed"));
    expect(runsOf(p, "by-hand")).toHaveLength(1);
    // The controller's workers ran it (its log arrives through a pipe: wait for it).
    await until("the controller's log of it", () => controller!.log().includes("(by-hand) claimed"));
  });
});

describe("the status file of a committed Task", () => {
  let p: Project;
  let controller: RunningController | undefined;
  afterEach(() => stopAndRemove(controller, p));

  it("says Running while it runs, and Completed with its step when it is done", async () => {
    // The step runs until the test has seen the Running status file.
    p = initializedProject({ "manifests/base.yaml": docs(workspace("ws"), workflow("wf", "'while [ ! -f release ]; do sleep 0.05; done'")), "manifests/task.yaml": task("slow") });
    controller = await startController(p.dir);
    const file = join(p.dir, ".orchestrator/status/default/task/slow.yaml");
    const phase = (): unknown => (existsSync(file) ? (parse(readFileSync(file, "utf8")) as { status: { phase?: unknown } }).status.phase : undefined);
    await until("the Running status file", () => phase() === "Running");
    p.write("release", "");
    await until("the Completed status file", () => phase() === "Completed");
    expect(statusFile(p, "default/task/slow.yaml").status).toMatchObject({ steps: [expect.objectContaining({ id: "build", status: "succeeded", exitCode: 0 })] });
  });
});
