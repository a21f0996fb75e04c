import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { initializedProject, REPO_ROOT } from "../support/cli.js";

const BASIC = join(REPO_ROOT, "test/fixtures/manifests/basic");

describe("orchestrator get", () => {
  let p: ReturnType<typeof initializedProject>;
  beforeAll(() => {
    p = initializedProject();
    expect(p.run(["apply", "-f", BASIC]).code).toBe(0);
  });
  afterAll(() => p.cleanup());

  it("accepts singular, plural and short kind names, case-insensitively", () => {
    for (const k of ["agents", "agent", "Agent", "AGENTS", "ag"]) {
      expect(p.run(["get", k, "-o", "name"]).stdout).toBe("agent/coder\nagent/planner\nagent/reviewer\n");
    }
    expect(p.run(["get", "wf", "-o", "name"]).stdout).toBe("workflow/plan_execute\n");
    expect(p.run(["get", "ws", "-o", "name"]).stdout).toBe("workspace/default\n");
  });

  it("names the known kinds for an unknown one", () => {
    const r = p.run(["get", "gizmos"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown kind 'gizmos'.*Agent.*Workflow/);
  });

  it("prints a table with kind-specific columns", () => {
    const r = p.run(["get", "agents"]);
    expect(r.stdout.split("\n")[0]).toMatch(/^NAME\s+CAPABILITIES\s+AGE$/);
    expect(r.stdout).toMatch(/coder\s+implement,verify\s+\d+s/);
    expect(p.run(["get", "agents", "-o", "wide"]).stdout.split("\n")[0]).toMatch(/COMMAND.*GENERATION/);
  });

  it("-o json of a list is a List; of one resource the resource itself", () => {
    const list = JSON.parse(p.run(["get", "agents", "-o", "json"]).stdout);
    expect(list.apiVersion).toBe("orchestrator.dev/v2");
    expect(list.kind).toBe("List");
    expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["coder", "planner", "reviewer"]);
    const one = JSON.parse(p.run(["get", "agent", "coder", "-o", "json"]).stdout);
    expect(one.kind).toBe("Agent");
    expect(one.metadata.name).toBe("coder");
    expect(one.spec.capabilities).toEqual(["implement", "verify"]);
  });

  it("-o yaml prints YAML", () => {
    expect(p.run(["get", "agent", "planner", "-o", "yaml"]).stdout).toMatch(/^apiVersion: orchestrator\.dev\/v2\nkind: Agent\nmetadata:\n  name: planner/);
  });

  it("filters with label selectors k=v, k!=v, k, !k, comma-joined", () => {
    const names = (sel: string): string => p.run(["get", "agents", "-l", sel, "-o", "name"]).stdout;
    expect(names("team=core")).toBe("agent/coder\nagent/planner\n");
    expect(names("team!=core")).toBe("agent/reviewer\n");
    expect(names("tier")).toBe("agent/coder\n");
    expect(names("!tier")).toBe("agent/planner\nagent/reviewer\n");
    expect(names("team=core,!tier")).toBe("agent/planner\n");
  });

  it("says when a named resource is not found", () => {
    const r = p.run(["get", "agent", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/agent\/nope not found in project 'default'/);
  });

  it("takes KIND/NAME as describe and delete do, and several names or KIND/NAME refs at once", () => {
    expect(p.run(["get", "agent/coder", "-o", "name"]).stdout).toBe("agent/coder\n");
    const one = JSON.parse(p.run(["get", "ag/coder", "-o", "json"]).stdout);
    expect(one).toMatchObject({ kind: "Agent", metadata: { name: "coder" } });
    expect(p.run(["get", "agent/coder"]).stdout).toMatch(/^NAME\s+CAPABILITIES\s+AGE\ncoder\s+implement,verify/);
    // In the order given, one table per kind.
    expect(p.run(["get", "agent/reviewer", "wf/plan_execute", "agent/coder", "-o", "name"]).stdout).toBe("agent/reviewer\nagent/coder\nworkflow/plan_execute\n");
    const tables = p.run(["get", "agent/coder", "workflow/plan_execute"]).stdout.split("\n\n");
    expect(tables).toHaveLength(2);
    expect(tables[0]).toMatch(/^NAME\s+CAPABILITIES/);
    expect(tables[1]).toMatch(/^NAME\s+STEPS\s+LOOP/);
    expect(p.run(["get", "agents", "planner", "coder", "-o", "name"]).stdout).toBe("agent/planner\nagent/coder\n");
    const list = JSON.parse(p.run(["get", "agent/coder", "agent/planner", "-o", "json"]).stdout);
    expect(list.kind).toBe("List");
    expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["coder", "planner"]);
  });

  it("prints what it found and fails for each name it did not", () => {
    const r = p.run(["get", "agent/coder", "agent/nope", "-o", "name"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("agent/coder\n");
    expect(r.stderr).toBe("error: agent/nope not found in project 'default'\n");
  });

  it("refuses names together with a label selector or -A (exit 2), and mixed KIND NAME and KIND/NAME forms", () => {
    for (const args of [
      ["get", "agent", "coder", "-l", "team=core"],
      ["get", "agent/coder", "-l", "team=core"],
      ["get", "agent", "coder", "-A"],
      ["get", "agent", "agent/coder"],
    ]) {
      const r = p.run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
    }
    expect(p.run(["get", "agent", "coder", "-l", "team=core"]).stderr).toMatch(/names or a label selector \(-l\), not both/);
  });

  it("redacts SecretStore data", () => {
    const out = p.run(["get", "secretstore", "api-keys", "-o", "json"]).stdout;
    expect(out).not.toContain("s3cr3t-marker-7f1c9a");
    expect(JSON.parse(out).spec.data.API_TOKEN).toBe("<redacted>");
    expect(p.run(["get", "secretstores", "-o", "yaml"]).stdout).not.toContain("s3cr3t-marker-7f1c9a");
  });
});

describe("commands without a store", () => {
  it("say so and name orchestrator init", async () => {
    const { tempProject, cli } = await import("../support/cli.js");
    const t = tempProject();
    try {
      const r = cli(["get", "agents"], { cwd: t.dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no orchestrator store found/);
      expect(r.stderr).toMatch(/orchestrator init/);
    } finally {
      t.cleanup();
    }
  });

  it("name the ORCHESTRATOR_HOME folder when it has no store, even where the search would find one", () => {
    const p = initializedProject();
    try {
      const r = p.run(["db", "status"], { env: { ORCHESTRATOR_HOME: "/nonexistent/.orchestrator" } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("no orchestrator store found at /nonexistent/.orchestrator (set by ORCHESTRATOR_HOME)");
      expect(r.stderr).toMatch(/orchestrator init/);
      expect(r.stderr).not.toContain(p.dir);
    } finally {
      p.cleanup();
    }
  });

  it("never create a store in an empty .orchestrator/: only init does", async () => {
    const { tempProject, cli } = await import("../support/cli.js");
    const t = tempProject({ "a.yaml": "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: a\nspec:\n  capabilities: [x]\n  command: echo\n" });
    try {
      mkdirSync(join(t.dir, ".orchestrator"));
      for (const args of [["get", "agents"], ["apply", "-f", "a.yaml"], ["db", "status"]]) {
        const r = cli(args, { cwd: t.dir });
        expect(r.code, args.join(" ")).toBe(1);
        expect(r.stderr).toContain(`no orchestrator store in ${join(t.dir, ".orchestrator")}: the folder holds no state.db`);
        expect(r.stderr).toMatch(/run `orchestrator init`/);
      }
      // Validation needs no store and makes none.
      expect(cli(["manifest", "validate", "-f", "a.yaml"], { cwd: t.dir }).code).toBe(0);
      expect(readdirSync(join(t.dir, ".orchestrator"))).toEqual([]);
      expect(cli(["init"], { cwd: t.dir }).code).toBe(0);
      expect(readdirSync(join(t.dir, ".orchestrator")).sort()).toEqual(expect.arrayContaining([".gitignore", "secret.key", "state.db"]));
    } finally {
      t.cleanup();
    }
  });
});
