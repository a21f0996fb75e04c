/**
 * Fields the project does not offer, through the built CLI: `apply` and
 * `manifest validate` refuse them with exit 1, the file, line and field
 * path, and how to go on, and the store keeps what it had; a UI hint that
 * changes nothing that runs is only a warning.
 */
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";

type Project = ReturnType<typeof initializedProject>;

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const GOOD = doc("Workflow", "wf", "  steps:\n    - id: build\n      command: echo build\n");

describe("a field the project does not offer", () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  it("is refused by apply with the file, line, field path and a hint, and the stored workflow stays as it was", () => {
    p = initializedProject();
    p.write("wf.yaml", GOOD);
    expect(p.run(["apply", "-f", "wf.yaml"]).code).toBe(0);
    const before = p.run(["get", "workflow", "wf", "-o", "json"]).stdout;

    p.write(
      "wf.yaml",
      doc(
        "Workflow",
        "wf",
        `  steps:
    - id: build
      command: echo build
      behavior:
        execution:
          kind: builtin
      prehook:
        when: "true"
        extended: true
  loop:
    mode: once
    agent_template: looper
  dynamic_steps:
    - id: later
      command: echo later
`,
      ),
    );
    const r = p.run(["apply", "-f", "wf.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: workflow/wf: spec.steps[0].behavior.execution: field 'behavior.execution' is not offered: how a step runs comes from its command, builtin, required_capability or chain_steps (wf.yaml:11:");
    expect(r.stderr).toContain("hint: remove behavior.execution and set one of command, builtin, required_capability or chain_steps");
    expect(r.stderr).toMatch(/spec\.steps\[0\]\.prehook\.extended: field 'prehook\.extended' is not offered: .* \(wf\.yaml:14:\d+\)/);
    expect(r.stderr).toMatch(/spec\.loop\.agent_template: field 'loop\.agent_template' is not offered: .* \(wf\.yaml:17:\d+\)/);
    expect(r.stderr).toMatch(/spec\.dynamic_steps: field 'dynamic_steps' is not offered: steps added at run time are not implemented, so these steps would never run \(wf\.yaml:19:\d+\)\n\s+hint: move the steps into spec\.steps/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(p.run(["get", "workflow", "wf", "-o", "json"]).stdout).toBe(before);

    const v = p.run(["manifest", "validate", "-f", "wf.yaml", "-o", "json"]);
    expect(v.code).toBe(1);
    const out = JSON.parse(v.stdout) as { errors: Array<{ code: string; path: string }> };
    expect(out.errors.map((e) => [e.code, e.path])).toEqual([
      ["not-offered", "spec.dynamic_steps"],
      ["not-offered", "spec.loop.agent_template"],
      ["not-offered", "spec.steps[0].behavior.execution"],
      ["not-offered", "spec.steps[0].prehook.extended"],
    ]);
  });

  it("includes a CustomResourceDefinition's scope other than Namespaced and builtin: true", () => {
    p = initializedProject();
    p.write(
      "crd.yaml",
      doc("CustomResourceDefinition", "notes.example.com", "  kind: Note\n  plural: notes\n  group: example.com\n  scope: Cluster\n  builtin: true\n  versions:\n    - name: v1\n      schema:\n        type: object\n"),
    );
    const r = p.run(["apply", "-f", "crd.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/customresourcedefinition\/notes\.example\.com: spec\.scope: field 'scope' is not offered: custom resources are always project-scoped \(Namespaced\) \(crd\.yaml:9:\d+\)\n\s+hint: remove scope, or set scope: Namespaced/);
    expect(r.stderr).toMatch(/spec\.builtin: field 'builtin' is not offered: only the project itself defines built-in kinds \(crd\.yaml:10:\d+\)/);
    expect(p.run(["get", "crd", "-o", "name"]).stdout).toBe("");
  });

  it("is not a UI hint: prehook.ui draws a warning and the workflow is applied", () => {
    p = initializedProject();
    p.write("wf.yaml", doc("Workflow", "wf", '  steps:\n    - id: build\n      command: echo build\n      prehook:\n        when: "true"\n        ui:\n          label: Build\n'));
    const r = p.run(["apply", "-f", "wf.yaml"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: workflow\/wf: spec\.steps\[0\]\.prehook\.ui: field 'prehook\.ui' is not supported yet and is ignored: prehook UI hints are not used/);
  });
});
