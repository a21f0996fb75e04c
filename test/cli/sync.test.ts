import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli, initializedProject } from "../support/cli.js";
import { join } from "node:path";
import { git, isolateGit, makeUpstream } from "../reconcile/git/git-fixture.js";

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
          { verb: "configured", project: "default", kind: "Agent", name: "a", drift: false, adoptedFrom: null },
          { verb: "pruned", project: "default", kind: "Agent", name: "b", drift: false, adoptedFrom: null },
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

  it("names unknown sources, and so does reconcile, controller or not", () => {
    p = initializedProject();
    expect(p.run(["sync", "nope"])).toMatchObject({ code: 1, stderr: "error: no source named 'nope'; sources: default\n" });
    expect(p.run(["reconcile", "nope"])).toMatchObject({ code: 1, stderr: "error: no source named 'nope'; sources: default\n" });
    expect(p.run(["reconcile", "default"]).stderr).toContain("no controller is running");
  });

  it("refuses a resource another source manages, instead of taking it over and flip-flopping", () => {
    p = initializedProject({ "a/x.yaml": agent("dup"), "b/x.yaml": agent("dup", "echo b") + "---\n" + agent("mine") });
    p.run(["source", "add", "A", "--dir", "a"]);
    p.run(["source", "add", "B", "--dir", "b"]);
    expect(p.run(["sync", "A"]).stdout).toContain("agent/dup created\n");
    const r = p.run(["sync", "B"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("error: agent/dup: already managed by source A (declared at x.yaml:1 there); source B declares it too, and a resource belongs to one source at a time (x.yaml:1:1)\n");
    expect(r.stderr).toContain("hint: remove it from one of the two sources");
    expect(r.stderr).toMatch(/source B: OwnershipConflict: 1 resource is managed by another source at revision sha256:[0-9a-f]{12}; nothing applied yet\n/);
    const dup = JSON.parse(p.run(["get", "agent", "dup", "-o", "json"]).stdout);
    expect([dup.spec.command, dup.metadata.appliedBy]).toEqual(["echo hi", "source:A"]);
    expect(p.run(["get", "agent", "mine"]).code).not.toBe(0);
    // A keeps it without a fight.
    expect(p.run(["sync", "A"]).stdout).not.toContain("drift");
    // B drops it: B never owned it, so nothing is pruned, and A's copy stays.
    p.write("b/x.yaml", agent("mine"));
    expect(p.run(["sync", "B"]).stdout).toMatch(/^agent\/mine created\nsource B: Applied/);
    expect(JSON.parse(p.run(["get", "agent", "dup", "-o", "json"]).stdout).metadata.appliedBy).toBe("source:A");
  });

  it("adopts a hand-applied resource, releases it when the source drops it, and source remove leaves everything", () => {
    p = initializedProject({ "hand.yaml": agent("hand"), "manifests/a.yaml": agent("a") + "---\n" + agent("hand") });
    p.run(["apply", "-f", "hand.yaml"]);
    const adopt = p.run(["sync"]);
    expect(adopt.stdout).toContain("agent/hand configured (adopted from cli)\n");
    expect(adopt.stdout).toContain("1 adopted)\n");
    p.write("manifests/a.yaml", agent("a"));
    const release = p.run(["sync"]);
    expect(release.stdout).toMatch(/^agent\/hand released \(no longer in the source; left in place, now applied by cli\)\nsource default: Applied revision: sha256:[0-9a-f]{12} \(0 created, 0 configured, 0 pruned, 1 unchanged, 1 released\)\n$/);
    expect(JSON.parse(p.run(["get", "agent", "hand", "-o", "json"]).stdout).metadata.appliedBy).toBe("cli");
    const events = p.run(["event", "list", "-o", "json"]).stdout;
    expect(events).toContain("resource_adopted");
    expect(events).toContain("resource_released");
    expect(events).not.toContain("resource_pruned");

    expect(p.run(["source", "remove", "default"]).code).toBe(0);
    expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("agent/a\nagent/hand\n");
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

  it("keeps the clone on the last good commit after a ValidationFailed pass, and fails on a path the commit lacks", () => {
    const up = makeUpstream(root);
    up.write("deploy/agents.yaml", agent("a"));
    const good = up.commit("good");
    up.push();
    up.write("deploy/agents.yaml", agent("a") + "---\napiVersion: orchestrator.dev/v2\nkind: Agnet\nmetadata:\n  name: b\nspec: {}\n");
    up.commit("bad");
    p = initializedProject();
    const env = { HOME: process.env["HOME"], GIT_CONFIG_NOSYSTEM: "1" };
    p.run(["source", "add", "repo", "--git", up.bare, "--path", "deploy"]);
    expect(p.run(["sync", "repo"], { env }).code).toBe(0);
    up.push();
    const bad = p.run(["sync", "repo"], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`revision ${good.slice(0, 12)} stays in effect`);
    const clone = join(p.dir, ".orchestrator/sources/repo");
    expect(git(clone, "rev-parse", "HEAD")).toBe(good);
    expect(JSON.parse(p.run(["source", "status", "repo", "-o", "json"]).stdout).status.lastAppliedRevision).toBe(good);

    p.run(["source", "add", "elsewhere", "--git", up.bare, "--path", "nope"]);
    const missing = p.run(["sync", "elsewhere"], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("source elsewhere: PathNotFound: path 'nope' does not exist at");
  });
});
