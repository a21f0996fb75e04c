import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { initializedProject, REPO_ROOT } from "../support/cli.js";

const ENGINE = join(REPO_ROOT, "test/fixtures/manifests/engine");

const one = (extra = ""): string =>
  `apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: solo\nspec:\n  root_path: "."\n---\napiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: only\nspec:\n  steps:\n    - id: hello\n      command: echo hi\n${extra}`;

describe("orchestrator task create", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("prints the new task's id and uses the project's only workflow and workspace", () => {
    p = initializedProject({ "m.yaml": one() });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["task", "create", "--goal", "g", "--no-start"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^t-[0-9a-z]+\n$/);
    const task = JSON.parse(p.run(["get", "tasks", "-o", "json"]).stdout).items[0];
    expect(task.spec).toMatchObject({ workflow: "only", workspace: "solo", goal: "g" });
  });

  it("lists the choices when several workflows or workspaces exist and none is named", () => {
    p = initializedProject({ "docs/qa/.keep": "" });
    p.run(["apply", "-f", ENGINE]);
    const r = p.run(["task", "create", "--workspace", "main"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pass --workflow with one of: .*failing.*three/);
  });

  it("fails at create when the workspace root does not exist", () => {
    p = initializedProject({ "m.yaml": one().replace('root_path: "."', "root_path: ./nowhere") });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["task", "create"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/root_path '\.\/nowhere' does not exist/);
    expect(p.run(["get", "tasks", "-o", "name"]).stdout).toBe("");
  });

  it("never gets a workflow with no enabled step: apply refuses it", () => {
    p = initializedProject({ "m.yaml": one("      enabled: false\n") });
    const applied = p.run(["apply", "-f", "m.yaml"]);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(/spec\.steps: every step has enabled: false.*\(m\.yaml:\d+:\d+\)/);
    expect(p.run(["get", "workflows", "-o", "name"]).stdout).toBe("");
    expect(p.run(["task", "create"]).code).toBe(1);
  });

  it("refuses target files outside the workspace root", () => {
    p = initializedProject({ "ws/m.yaml": one().replace('root_path: "."', "root_path: ./ws"), "outside.md": "x" });
    p.run(["apply", "-f", "ws/m.yaml"]);
    const r = p.run(["task", "create", "--target-file", "outside.md"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/outside the workspace root/);
  });

  it("rejects an unknown --step id with the available steps in workflow order", () => {
    p = initializedProject({ "docs/qa/.keep": "" });
    p.run(["apply", "-f", ENGINE]);
    const r = p.run(["task", "create", "--workflow", "three", "--workspace", "main", "--step", "nonexistent"]);
    expect(r.stderr).toContain("unknown step id 'nonexistent' in --step filter; available steps: plan, implement, verify");
  });
});
