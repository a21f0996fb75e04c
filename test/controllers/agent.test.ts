import { afterEach, describe, expect, it } from "vitest";
import { agentController } from "../../controllers/agent.js";
import { reconcileSource } from "../../src/reconcile/source-pass.js";
import { agent, docs, secret } from "../reconcile/support/manifests.js";
import { testProject, type TestProject } from "../reconcile/support/project.js";
import { recordingHooks, type RecordingHooks } from "./support.js";

let p: TestProject;
afterEach(() => p?.cleanup());

const pass = async (hooks: RecordingHooks) => (await reconcileSource({ home: p.home, store: p.store, hooks }, p.source("default"))).result;
const withCaps = (caps: string) => `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: a\nspec:\n  capabilities: ${caps}\n  command: echo hi\n`;

describe("the Agent controller", () => {
  it("compares capabilities as a set", () => {
    const r = { apiVersion: "v", kind: "Agent", metadata: { name: "a" }, spec: { capabilities: ["b", "a", "b"], command: "x" } };
    expect(agentController.normalize!(r).spec).toEqual({ capabilities: ["a", "b"], command: "x" });
  });

  it("leaves reordered capabilities unchanged, and refreshes the registry when agents or their stores change", async () => {
    p = testProject();
    p.addDirSource("default", "manifests");
    const hooks = recordingHooks();
    p.write("manifests/a.yaml", withCaps("[plan, build]"));
    await pass(hooks);
    expect(hooks.refreshed).toEqual(["default"]);
    p.write("manifests/a.yaml", withCaps("[build, plan, plan]"));
    expect((await pass(hooks)).counts).toMatchObject({ unchanged: 1, configured: 0 });
    expect(hooks.refreshed).toEqual(["default"]);
    p.write("manifests/a.yaml", docs(withCaps("[build, plan]"), secret("keys", "v1")));
    await pass(hooks);
    expect(hooks.refreshed).toEqual(["default", "default"]);
    p.write("manifests/a.yaml", docs(withCaps("[build, plan]"), secret("keys", "v1"), agent("b")));
    await pass(hooks);
    expect(hooks.refreshed).toHaveLength(3);
  });
});
