import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";
import { startController } from "../support/controller.js";

const agent = (name: string) => `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\nspec:\n  capabilities: [x]\n  command: echo hi\n`;

describe("orchestrator reconcile", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("without a running controller, runs the pass itself, as sync does", () => {
    p = initializedProject({ "manifests/a.yaml": agent("a") });
    const r = p.run(["reconcile", "default"]);
    expect(r).toMatchObject({ code: 0, stderr: "no controller is running: reconciling here\n" });
    expect(r.stdout).toMatch(/agent\/a created\nsource default: Applied revision: sha256:/);
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("agent/a\n");
    expect(p.run(["reconcile", "nope"])).toMatchObject({ code: 1, stderr: expect.stringContaining("no source named 'nope'") });
    expect(JSON.parse(p.run(["reconcile", "-o", "json"]).stdout).results).toEqual([expect.objectContaining({ source: "default", ready: true, upToDate: true })]);
  });

  it("asks the running controller (`orchestrator controller`) for a pass, waits for it and prints its result", async () => {
    p = initializedProject({ "manifests/a.yaml": agent("a") });
    const controller = await startController(p.dir);
    try {
      p.write("manifests/b.yaml", agent("b"));
      const r = p.run(["reconcile", "default"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/source default: /);
      expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("agent/a\nagent/b\n");
      expect(p.run(["reconcile", "nope"])).toMatchObject({ code: 1, stderr: expect.stringContaining("no source named 'nope'") });
      const json = JSON.parse(p.run(["reconcile", "-o", "json"]).stdout);
      expect(json.results).toEqual([expect.objectContaining({ source: "default", ready: true, upToDate: true })]);
    } finally {
      await controller.stop();
    }
  });
});
