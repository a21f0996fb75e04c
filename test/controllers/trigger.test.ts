import { afterEach, describe, expect, it } from "vitest";
import { reconcileSource } from "../../src/reconcile/source-pass.js";
import { docs, trigger, workflow, workspace } from "../reconcile/support/manifests.js";
import { testProject, type TestProject } from "../reconcile/support/project.js";
import { recordingHooks, type RecordingHooks } from "./support.js";

let p: TestProject;
afterEach(() => p?.cleanup());

const pass = async (hooks: RecordingHooks) => (await reconcileSource({ home: p.home, store: p.store, hooks }, p.source("default"))).result;

describe("the Trigger controller", () => {
  it("reschedules a trigger when it is created, changed or pruned, and not when unchanged", async () => {
    p = testProject();
    p.addDirSource("default", "manifests");
    const hooks = recordingHooks();
    p.write("manifests/a.yaml", docs(workspace("ws"), workflow("wf"), trigger("nightly", "0 2 * * *")));
    await pass(hooks);
    expect(hooks.rescheduled).toEqual([{ project: "default", name: "nightly", deleted: false, schedule: "0 2 * * *" }]);
    p.write("manifests/a.yaml", docs(workspace("ws"), workflow("wf", "echo other"), trigger("nightly", "0 2 * * *")));
    await pass(hooks);
    expect(hooks.rescheduled).toHaveLength(1);
    p.write("manifests/a.yaml", docs(workspace("ws"), workflow("wf"), trigger("nightly", "0 3 * * *")));
    await pass(hooks);
    expect(hooks.rescheduled.at(-1)).toEqual({ project: "default", name: "nightly", deleted: false, schedule: "0 3 * * *" });
    p.write("manifests/a.yaml", docs(workspace("ws"), workflow("wf")));
    await pass(hooks);
    expect(hooks.rescheduled.at(-1)).toEqual({ project: "default", name: "nightly", deleted: true, schedule: undefined });
  });

  it("warns about an action naming a workflow that exists nowhere", async () => {
    p = testProject();
    p.addDirSource("default", "manifests");
    p.write("manifests/a.yaml", docs(workspace("ws"), trigger("nightly", "0 2 * * *", "nope")));
    const r = await pass(recordingHooks());
    expect(r.ready).toBe(true);
    expect(r.diagnostics.filter((d) => d.code === "reference").map((d) => d.path)).toEqual(["spec.action.workflow"]);
  });
});
