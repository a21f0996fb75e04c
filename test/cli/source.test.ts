import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";

const AGENT = "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: a\nspec:\n  capabilities: [x]\n  command: echo hi\n";

describe("orchestrator source", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("init configures the source default: the manifests/ directory", () => {
    p = initializedProject();
    const list = JSON.parse(p.run(["source", "list", "-o", "json"]).stdout);
    expect(list).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "List" });
    // A Source resource applied by cli, with only what differs from the defaults (interval 1m, project default, prune).
    expect(list.items).toEqual([
      expect.objectContaining({ apiVersion: "orchestrator.dev/v2", kind: "Source", metadata: expect.objectContaining({ name: "default", appliedBy: "cli" }), spec: { dir: "manifests" }, status: expect.objectContaining({ inventory: 0 }) }),
    ]);
    // Running init again keeps it as it is.
    expect(p.run(["init"]).code).toBe(0);
    expect(JSON.parse(p.run(["source", "list", "-o", "json"]).stdout).items).toHaveLength(1);
  });

  it("adds, lists, shows and removes sources", () => {
    p = initializedProject({ "team/a.yaml": AGENT });
    const add = p.run(["source", "add", "team", "--dir", "team", "--project", "team-a", "--no-prune", "--interval", "30s"]);
    expect(add.stderr).toBe("");
    expect(add.stdout).toBe("source team added (directory team); run `orchestrator sync team` to apply it now\n");
    const git = p.run(["source", "add", "remote", "--git", "https://user:tok3nvalue@example.com/r.git", "--ref", "main", "--path", "deploy"]);
    expect(git.code).toBe(0);
    expect(git.stdout).not.toContain("tok3nvalue");

    const table = p.run(["source", "list"]).stdout;
    expect(table.split("\n")[0]).toMatch(/^NAME\s+TYPE\s+URL\/DIR\s+REF\s+INTERVAL\s+PROJECT\s+PRUNE\s+SUSPENDED\s+READY/);
    expect(table).toMatch(/team\s+dir\s+team\s+30s\s+team-a\s+false\s+false/);
    expect(table).toContain("https://***@example.com/r.git");
    expect(table).not.toContain("tok3nvalue");

    expect(p.run(["sync", "team"]).code).toBe(0);
    expect(p.run(["get", "agents", "--project", "team-a", "-o", "name"]).stdout).toBe("agent/a\n");
    const status = JSON.parse(p.run(["source", "status", "team", "-o", "json"]).stdout);
    expect(status).toMatchObject({ kind: "Source", metadata: { name: "team" }, spec: { dir: "team", project: "team-a", prune: false, interval: "30s" }, status: { inventory: 1, errors: [], failures: 0 } });
    expect(status.status.lastAppliedRevision).toMatch(/^sha256:/);
    expect(status.status.conditions).toEqual([
      { type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: expect.stringMatching(/^Applied revision: sha256:/), lastTransitionTime: expect.any(String) },
    ]);
    const text = p.run(["source", "status", "team"]).stdout;
    expect(text).toContain("Inventory:       1 resource\n");
    expect(text).toMatch(/Ready\s+True\s+ReconciliationSucceeded/);

    expect(existsSync(join(p.dir, ".orchestrator/sources/team.files.json"))).toBe(true);
    const removed = p.run(["source", "remove", "team"]);
    expect(removed.stdout).toBe("source team removed; the 1 resource it applied stays in the store (no longer pruned or corrected by it)\n");
    expect(p.run(["get", "agents", "--project", "team-a", "-o", "name"]).stdout).toBe("agent/a\n");
    // Its stat cache goes with it.
    expect(existsSync(join(p.dir, ".orchestrator/sources/team.files.json"))).toBe(false);
    expect(p.run(["source", "remove", "team"])).toMatchObject({ code: 1, stderr: expect.stringContaining("no source named 'team'") });
  });

  it("refuses a taken name, and wrong flags with exit 2", () => {
    p = initializedProject();
    expect(p.run(["source", "add", "default", "--dir", "x"])).toMatchObject({ code: 1, stderr: expect.stringContaining("source 'default' already exists") });
    expect(p.run(["source", "add", "x"])).toMatchObject({ code: 2, stderr: expect.stringContaining("exactly one of --dir PATH or --git URL") });
    expect(p.run(["source", "add", "x", "--git", "u", "--interval", "soon"])).toMatchObject({ code: 2, stderr: expect.stringContaining("invalid interval 'soon'") });
    expect(p.run(["source", "add", "x y", "--dir", "d"]).code).toBe(2);
  });

  it("records a git remote given as a relative local path as an absolute one (the clone runs elsewhere)", () => {
    p = initializedProject();
    expect(p.run(["source", "add", "local", "--git", "../up.git"]).code).toBe(0);
    expect(JSON.parse(p.run(["source", "status", "local", "-o", "json"]).stdout).spec.url).toBe(join(dirname(p.dir), "up.git"));
  });
});
