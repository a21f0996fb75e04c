import { afterEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initializedProject, REPO_ROOT } from "../support/cli.js";

const BASIC = join(REPO_ROOT, "test/fixtures/manifests/basic");

describe("orchestrator apply", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("prints one line per resource and reports unchanged on re-apply", () => {
    p = initializedProject();
    const first = p.run(["apply", "-f", BASIC]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("agent/coder created\n");
    expect(first.stdout).toContain("workflow/plan_execute created\n");
    expect(first.stdout).toContain("secretstore/api-keys created\n");
    // Apply order: stores before templates before agents before workspaces before workflows.
    const lines = first.stdout.trim().split("\n");
    expect(lines.indexOf("secretstore/api-keys created")).toBeLessThan(lines.indexOf("steptemplate/plan created"));
    expect(lines.indexOf("agent/coder created")).toBeLessThan(lines.indexOf("workspace/default created"));
    expect(lines.indexOf("workspace/default created")).toBeLessThan(lines.indexOf("workflow/plan_execute created"));

    const again = p.run(["apply", "-f", BASIC]);
    expect(again.code).toBe(0);
    expect(again.stdout.trim().split("\n").every((l) => l.endsWith(" unchanged"))).toBe(true);
  });

  it("reports configured and bumps generation only when the spec changes", () => {
    p = initializedProject({
      "a.yaml": "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: a\nspec:\n  capabilities: [x]\n  command: echo 1\n",
    });
    expect(p.run(["apply", "-f", "a.yaml"]).code).toBe(0);
    p.write("a.yaml", "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: a\n  labels: {k: v}\nspec:\n  capabilities: [x]\n  command: echo 1\n");
    expect(p.run(["apply", "-f", "a.yaml"]).stdout).toBe("agent/a configured\n");
    expect(JSON.parse(p.run(["get", "agent", "a", "-o", "json"]).stdout).metadata.generation).toBe(1);
    p.write("a.yaml", "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: a\n  labels: {k: v}\nspec:\n  capabilities: [x]\n  command: echo 2\n");
    expect(p.run(["apply", "-f", "a.yaml"]).stdout).toBe("agent/a configured\n");
    expect(JSON.parse(p.run(["get", "agent", "a", "-o", "json"]).stdout).metadata.generation).toBe(2);
  });

  it("--dry-run appends (dry run) and writes nothing", () => {
    p = initializedProject();
    const r = p.run(["apply", "-f", BASIC, "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("agent/coder created (dry run)\n");
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("");
  });

  it("reads stdin with -f -", () => {
    p = initializedProject();
    const r = p.run(["apply", "-f", "-"], { input: readFileSync(join(BASIC, "agents.yaml"), "utf8") });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("agent/coder created\nagent/planner created\nagent/reviewer created\n");
  });

  it("--prune deletes resources of the applied kinds that the set omits", () => {
    p = initializedProject();
    expect(p.run(["apply", "-f", BASIC]).code).toBe(0);
    const only = p.write(
      "one.yaml",
      "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: coder\n  labels:\n    team: core\n    tier: gold\nspec:\n  capabilities: [implement, verify]\n  command: echo '{\"confidence\":0.9}'\n",
    );
    const dry = p.run(["apply", "-f", only, "--prune", "--dry-run"]);
    expect(dry.stdout).toContain("agent/planner pruned (dry run)");
    const r = p.run(["apply", "-f", only, "--prune"]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith("agent/coder unchanged\n")).toBe(true);
    expect(r.stdout).toContain("agent/planner pruned\n");
    expect(r.stdout).toContain("agent/reviewer pruned\n");
    // Other kinds are untouched.
    expect(p.run(["get", "workflows", "-o", "name"]).stdout).toBe("workflow/plan_execute\n");
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("agent/coder\n");
  });

  it("--project places documents without metadata.project in that project", () => {
    p = initializedProject();
    expect(p.run(["apply", "-f", join(BASIC, "agents.yaml"), "--project", "team-a"]).code).toBe(0);
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("");
    expect(p.run(["get", "agents", "-o", "name", "--project", "team-a"]).stdout).toContain("agent/coder");
  });

  it("applies a Project without a word about metadata.project unless the file sets one", () => {
    const project = "apiVersion: orchestrator.dev/v2\nkind: Project\nmetadata:\n  name: demo\n";
    p = initializedProject({ "plain.yaml": project, "placed.yaml": project.replace("name: demo\n", "name: other\n  project: demo\n") });
    for (const flags of [[], ["--project", "demo"]]) {
      const r = p.run(["apply", "-f", "plain.yaml", ...flags]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr, flags.join(" ")).toBe("");
    }
    expect(p.run(["manifest", "validate", "-f", "plain.yaml"]).stdout).toMatch(/0 errors, 0 warnings/);
    const placed = p.run(["apply", "-f", "placed.yaml"]);
    expect(placed.code).toBe(0);
    expect(placed.stderr.match(/warning: /g)).toHaveLength(1);
    expect(placed.stderr).toContain("metadata.project is ignored: Project is cluster-wide");
    expect(placed.stderr).toContain("(placed.yaml:5:");
  });
});
