import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { reconcileSource } from "../../src/reconcile/source-pass.js";
import { statusFilePath } from "../../src/reconcile/status-files.js";
import type { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { docs, task, workflow, workspace } from "../reconcile/support/manifests.js";
import { testProject, type TestProject } from "../reconcile/support/project.js";
import { recordingHooks, type RecordingHooks } from "./support.js";

let p: TestProject;
afterEach(() => p?.cleanup());

const pass = async (hooks?: RecordingHooks) => (await reconcileSource({ home: p.home, store: p.store, ...(hooks ? { hooks } : {}) }, p.source("default"))).result;
const taskKey = { project: "default", kind: "Task", name: "t1" };

describe("the Task controller", () => {
  it("enqueues a committed generation on the engine, level-triggered, until the engine observes it", async () => {
    p = testProject();
    p.write("manifests/a.yaml", docs(workspace("ws"), workflow("wf"), task("t1")));
    p.addDirSource("default", "manifests");
    const hooks = recordingHooks();
    await pass(hooks);
    expect(hooks.enqueued).toEqual([{ project: "default", kind: "Task", name: "t1", generation: 1 }]);

    // Not observed yet (an engine that crashed before recording it): the next pass, even an up-to-date one, asks again.
    expect((await pass(hooks)).upToDate).toBe(true);
    expect(hooks.enqueued).toHaveLength(2);

    // Observed: nothing more until the spec changes.
    p.store.setStatus(taskKey, { phase: "Completed", observedGeneration: 1 });
    await pass(hooks);
    expect(hooks.enqueued).toHaveLength(2);
    p.write("manifests/a.yaml", docs(workspace("ws"), workflow("wf"), task("t1", "do it again")));
    await pass(hooks);
    expect(hooks.enqueued.at(-1)).toEqual({ project: "default", kind: "Task", name: "t1", generation: 2 });
  });

  it("without an engine hook, commits the Task and leaves it Pending", async () => {
    p = testProject();
    p.write("manifests/a.yaml", docs(workspace("ws"), workflow("wf"), task("t1")));
    p.addDirSource("default", "manifests");
    expect(await pass()).toMatchObject({ ready: true });
    expect(p.store.getResource(taskKey)!.status).toBeUndefined();
    const status = parse(readFileSync(statusFilePath(p.home, taskKey), "utf8"));
    expect(status.status).toMatchObject({ phase: "Pending", generation: 1 });
  });

  it("pruning a Task deletes the resource row, never its execution history", async () => {
    p = testProject();
    p.write("manifests/a.yaml", docs(workspace("ws"), workflow("wf"), task("t1")));
    p.addDirSource("default", "manifests");
    await pass();
    const tasks = (p.store as SqliteStore).taskStore();
    const record = tasks.createTask({
      name: "t1",
      project: "default",
      origin: "manifest",
      resourceKind: "Task",
      resourceName: "t1",
      resourceGeneration: 1,
      workflow: "wf",
      workspace: "ws",
      goal: "do it",
      spec: { steps: [], vars: {}, targetFiles: [] },
      queued: false,
    });
    p.write("manifests/a.yaml", docs(workspace("ws"), workflow("wf")));
    expect((await pass()).changes).toEqual([{ verb: "pruned", project: "default", kind: "Task", name: "t1", drift: false, adoptedFrom: null }]);
    expect(p.store.getResource(taskKey)).toBeUndefined();
    expect(tasks.getTask(record.id)).toMatchObject({ name: "t1", resourceKind: "Task" });
  });

  it("warns when the workflow or workspace named is nowhere, without stopping the pass", async () => {
    p = testProject();
    p.write("manifests/a.yaml", task("t1", "go", "missing-wf", "missing-ws"));
    p.addDirSource("default", "manifests");
    const r = await pass();
    expect(r.ready).toBe(true);
    const warnings = r.diagnostics.filter((d) => d.code === "reference");
    expect(warnings.map((d) => `${d.path}@${d.position?.line}`)).toEqual(["spec.workflow@6", "spec.workspace@7"]);
  });
});
