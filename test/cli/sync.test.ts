import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli, initializedProject } from "../support/cli.js";
import { isolateGit, makeUpstream } from "../reconcile/git/git-fixture.js";

const agent = (name: string, command = "echo hi") =>
  `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\nspec:\n  capabilities: [x]\n  command: ${command}\n`;

describe("orchestrator sync", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("says a missing manifests/ directory is not ready yet, without failing", () => {
    p = initializedProject();
    const r = p.run(["sync"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("source default: PathNotFound: directory manifests does not exist");
  });

  it("prints one line per change as apply does, then a summary; an unchanged source is up to date", () => {
    p = initializedProject({ "manifests/a.yaml": agent("a") + "---\n" + agent("b") });
    const first = p.run(["sync"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^agent\/a created\nagent\/b created\nsource default: Applied revision: sha256:[0-9a-f]{12} \(2 created, 0 configured, 0 pruned, 0 unchanged\)\n$/);
    expect(p.run(["sync"]).stdout).toMatch(/^source default: up to date: Applied revision: sha256:[0-9a-f]{12} \(2 resources\)\n$/);

    p.write("manifests/a.yaml", agent("a", "echo new"));
    const dry = p.run(["sync", "--dry-run"]);
    expect(dry.stdout).toMatch(/^agent\/a configured \(dry run\)\nagent\/b pruned \(dry run\)\nsource default: dry run of revision/);
    expect(JSON.parse(p.run(["get", "agent", "a", "-o", "json"]).stdout).spec.command).toBe("echo hi");
    const json = JSON.parse(p.run(["sync", "-o", "json"]).stdout);
    expect(json.results).toEqual([
      expect.objectContaining({
        source: "default",
        ready: true,
        reason: "ReconciliationSucceeded",
        changes: [
          { verb: "configured", project: "default", kind: "Agent", name: "a", drift: false },
          { verb: "pruned", project: "default", kind: "Agent", name: "b", drift: false },
        ],
        counts: { created: 0, configured: 1, unchanged: 0, pruned: 1, drifted: 0 },
      }),
    ]);
  });

  it("takes back what `apply -f` changed by hand, and shows the drift first", () => {
    p = initializedProject({ "manifests/a.yaml": agent("a"), "hand.yaml": agent("a", "echo by-hand") });
    p.run(["sync"]);
    expect(p.run(["apply", "-f", "hand.yaml"]).stdout).toBe("agent/a configured\n");
    expect(JSON.parse(p.run(["get", "agent", "a", "-o", "json"]).stdout).metadata.appliedBy).toBe("cli");
    expect(p.run(["sync", "--dry-run"]).stdout).toContain("agent/a configured (drift corrected) (dry run)\n");
    const r = p.run(["sync"]);
    expect(r.stdout).toContain("agent/a configured (drift corrected)\n");
    const a = JSON.parse(p.run(["get", "agent", "a", "-o", "json"]).stdout);
    expect(a.spec.command).toBe("echo hi");
    expect(a.metadata.appliedBy).toBe("source:default");
  });

  it("applies nothing from a broken revision, exits 1 and says where the error is", () => {
    p = initializedProject({ "manifests/a.yaml": agent("a") });
    p.run(["sync"]);
    p.write("manifests/a.yaml", agent("a", "echo new") + "---\napiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: b\nspec:\n  capabilities: [x]\n  command: 3\n");
    const r = p.run(["sync"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("agent/b: spec.command");
    expect(r.stderr).toContain("(a.yaml:15:");
    expect(r.stderr).toMatch(/source default: ValidationFailed: 1 error in the manifest set at revision sha256:[0-9a-f]{12}; revision sha256:[0-9a-f]{12} stays in effect/);
    expect(JSON.parse(p.run(["get", "agent", "a", "-o", "json"]).stdout).spec.command).toBe("echo hi");
  });

  it("names unknown sources", () => {
    p = initializedProject();
    expect(p.run(["sync", "nope"])).toMatchObject({ code: 1, stderr: "error: no source named 'nope'; sources: default\n" });
  });
});

describe("orchestrator sync of a git source", () => {
  let p: ReturnType<typeof initializedProject>;
  let restore: () => void;
  let root: string;
  beforeEach(() => ({ root, restore } = isolateGit()));
  afterEach(() => {
    p?.cleanup();
    restore();
  });

  it("applies the commit, and describe shows the source, file, line and commit", () => {
    const up = makeUpstream(root);
    up.write("deploy/agents.yaml", agent("a") + "---\n" + agent("b"));
    const sha = up.commit("agents");
    up.push();
    p = initializedProject();
    const env = { HOME: process.env["HOME"], GIT_CONFIG_NOSYSTEM: "1" };
    expect(p.run(["source", "add", "repo", "--git", up.bare, "--path", "deploy"]).code).toBe(0);
    const r = p.run(["sync", "repo"], { env });
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`source repo: Applied revision: main@${sha.slice(0, 12)} (2 created`);
    const described = cli(["describe", "agent/b"], { cwd: p.dir }).stdout;
    expect(described).toContain(`Applied by:   source:repo (deploy/agents.yaml:9 @ ${sha.slice(0, 12)})`);
  });
});
