import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { initializedProject, REPO_ROOT } from "../support/cli.js";

const BASIC = join(REPO_ROOT, "test/fixtures/manifests/basic");

describe("orchestrator describe", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("shows spec, metadata, generation, who applied it and recent events", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC]);
    const r = p.run(["describe", "agent/coder"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Name:\s+coder/);
    expect(r.stdout).toMatch(/Labels:\s+team=core/);
    expect(r.stdout).toMatch(/Generation:\s+1/);
    expect(r.stdout).toMatch(/Applied by:\s+cli \(.*agents\.yaml:1\)/);
    expect(r.stdout).toMatch(/Spec:\n\s+capabilities:/);
    expect(r.stdout).toMatch(/Events:\n.*\n.*resource_created/);
  });

  it("never shows secret values", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC]);
    const r = p.run(["describe", "secretstore/api-keys"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("API_TOKEN: <redacted>");
    expect(r.stdout).not.toContain("s3cr3t-marker-7f1c9a");
  });
});

describe("orchestrator delete", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("refuses without --force when there is no terminal, and deletes nothing", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC]);
    const r = p.run(["delete", "agent/coder"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--force/);
    expect(p.run(["get", "agent", "coder", "-o", "name"]).stdout).toBe("agent/coder\n");
  });

  it("--dry-run deletes nothing; --force deletes several at once", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC]);
    expect(p.run(["delete", "agent/coder", "agent/planner", "--dry-run"]).stdout).toBe("agent/coder deleted (dry run)\nagent/planner deleted (dry run)\n");
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toContain("agent/coder");
    const r = p.run(["delete", "agent/coder", "ag/planner", "--force"]);
    expect(r.stdout).toBe("agent/coder deleted\nagent/planner deleted\n");
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("agent/reviewer\n");
  });

  it("fails whole when one target does not exist", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC]);
    const r = p.run(["delete", "agent/coder", "agent/ghost", "--force"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/agent\/ghost not found/);
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toContain("agent/coder");
  });

  it("delete project/P --force removes the project and everything in it", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC, "--project", "team-a"]);
    p.run(["apply", "-f", BASIC]);
    const r = p.run(["delete", "project/team-a", "--force"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/project\/team-a deleted \(\d+ resources removed\)/);
    expect(p.run(["get", "agents", "--project", "team-a", "-o", "name"]).stdout).toBe("");
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toContain("agent/coder");
  });
});
