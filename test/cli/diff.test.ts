import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli, initializedProject } from "../support/cli.js";
import { git, isolateGit, makeUpstream } from "../reconcile/git/git-fixture.js";

const agent = (name: string, command = "echo hi") =>
  `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\nspec:\n  capabilities: [x]\n  command: ${command}\n`;
const secret = (value: string) => `apiVersion: orchestrator.dev/v2\nkind: SecretStore\nmetadata:\n  name: keys\nspec:\n  data:\n    TOKEN: "${value}"\n`;

describe("orchestrator diff (sources and files against the store)", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("exits 0 when in sync, 1 with field-level changes and prunes, 2 on validation errors", () => {
    p = initializedProject({ "manifests/a.yaml": agent("a") + "---\n" + agent("b") + "---\n" + secret("old-secret-value") });
    p.run(["sync"]);
    expect(p.run(["diff"])).toMatchObject({ code: 0, stdout: "Summary: 0 to create, 0 to update, 0 to delete, 3 unchanged\n" });

    p.write("manifests/a.yaml", agent("a", "echo new") + "---\n" + secret("new-secret-value") + "---\n" + agent("c"));
    const r = p.run(["diff"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("~ agent/a (project default): update\n  changed spec.command\n");
    expect(r.stdout).toContain("-  command: echo hi\n+  command: echo new\n");
    expect(r.stdout).toContain("+ agent/c (project default): create");
    expect(r.stdout).toContain("- agent/b (project default): delete");
    expect(r.stdout).toContain("<redacted, changed>");
    expect(r.stdout).not.toMatch(/(old|new)-secret-value/);
    // Nothing was written.
    expect(JSON.parse(p.run(["get", "agent", "a", "-o", "json"]).stdout).spec.command).toBe("echo hi");

    const json = JSON.parse(p.run(["diff", "-o", "json"]).stdout);
    expect(json.summary).toEqual({ create: 1, update: 2, delete: 1, unchanged: 0, drift: 0 });
    expect(json.resources.find((x: { name: string }) => x.name === "a").changes).toEqual([{ path: "spec.command", op: "changed", before: "echo hi", after: "echo new" }]);

    p.write("manifests/a.yaml", agent("a", "echo new") + "---\napiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: bad\nspec:\n  command: 3\n");
    const bad = p.run(["diff", "-o", "markdown"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain("<summary>Update: <code>agent/a</code>");
    expect(bad.stdout).toMatch(/#### \d+ errors?/);
  });

  it("marks drift in every format: a resource changed or deleted out of band, as sync --dry-run does", () => {
    p = initializedProject({ "manifests/a.yaml": agent("a") + "---\n" + agent("b"), "hand.yaml": agent("a", "echo by-hand") });
    p.run(["sync"]);
    p.run(["apply", "-f", "hand.yaml"]);
    expect(p.run(["delete", "agent/b", "--force"]).code).toBe(0);
    expect(p.run(["sync", "--dry-run"]).stdout).toContain("agent/a configured (drift corrected) (dry run)\nagent/b created (drift corrected) (dry run)\n");

    const r = p.run(["diff"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("~ agent/a (project default): update (drift: changed out of band by cli; sync restores it)\n");
    expect(r.stdout).toContain("-  command: echo by-hand\n+  command: echo hi\n");
    expect(r.stdout).toContain("+ agent/b (project default): create (drift: deleted out of band; sync restores it)\n");
    expect(r.stdout).toContain("; 2 drifted\n");

    const md = p.run(["diff", "-o", "markdown"]).stdout;
    expect(md).toContain("**2 resources drifted** (changed or deleted out of band): sync puts them back.");
    expect(md).toContain("<summary>Update: <code>agent/a</code> in project <code>default</code> (1 field) (drift: changed out of band by cli; sync restores it)</summary>");

    const json = JSON.parse(p.run(["diff", "-o", "json"]).stdout);
    expect(json.summary.drift).toBe(2);
    expect(json.resources.map((x: { name: string; drift: unknown }) => [x.name, x.drift])).toEqual([
      ["a", { was: "modified", by: "cli" }],
      ["b", { was: "deleted", by: null }],
    ]);
  });

  it("shows a hand-applied resource a source adopts, and the conflict of a resource another source manages", () => {
    p = initializedProject({ "manifests/a.yaml": agent("hand"), "hand.yaml": agent("hand"), "team/t.yaml": agent("hand", "echo team") });
    p.run(["apply", "-f", "hand.yaml"]);
    // Same content, another owner: diff says what sync would change (exit 1), not "unchanged".
    const adopt = p.run(["diff", "default"]);
    expect(adopt.code).toBe(1);
    expect(adopt.stdout).toContain("= agent/hand (project default): unchanged (adopted: applied by cli, source:default takes it over)\n");
    p.run(["sync", "default"]);
    p.run(["source", "add", "team", "--dir", "team"]);
    const conflict = p.run(["diff", "team", "-o", "json"]);
    expect(conflict.code).toBe(2);
    expect(JSON.parse(conflict.stdout).diagnostics[0]).toMatchObject({
      severity: "error",
      resource: "agent/hand",
      message: expect.stringContaining("already managed by source default (declared at a.yaml:1 there); source team declares it too"),
      position: { file: "t.yaml", line: 1 },
    });
  });

  it("-f compares files against the store as apply would, and --prune shows deletions", () => {
    p = initializedProject({ "one.yaml": agent("a") + "---\n" + agent("b"), "two.yaml": agent("a", "echo 2") });
    p.run(["apply", "-f", "one.yaml"]);
    expect(p.run(["diff", "-f", "one.yaml"]).code).toBe(0);
    const r = p.run(["diff", "-f", "two.yaml", "--prune", "-o", "json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).summary).toEqual({ create: 0, update: 1, delete: 1, unchanged: 0, drift: 0 });
    expect(p.run(["diff", "-f", "missing.yaml"]).code).toBe(2);
  });

  it("rejects flags that do not go together with exit 2", () => {
    p = initializedProject();
    expect(p.run(["diff", "--from", "HEAD"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--from and --to go together") });
    expect(p.run(["diff", "-f", "x", "--from", "a", "--to", "b"]).code).toBe(2);
    expect(p.run(["diff", "--path", "x"]).code).toBe(2);
  });
});

describe("orchestrator diff --from --to (a pull request in CI, no store)", () => {
  let root: string;
  let restore: () => void;
  beforeEach(() => ({ root, restore } = isolateGit()));
  afterEach(() => restore());

  it("diffs two commits per resource with every error and warning of the new side", () => {
    const up = makeUpstream(root);
    up.write("manifests/agents.yaml", agent("a") + "---\n" + agent("gone") + "---\n" + secret("first-secret"));
    up.write("other/ignored.yaml", "not: a manifest\n");
    const base = up.commit("base");
    up.write("manifests/agents.yaml", agent("a", "echo changed") + "---\n" + agent("new") + "---\n" + secret("second-secret"));
    up.write("manifests/typo.yaml", "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: t\nspec:\n  capabilities: [x]\n  command: echo\n  comand: typo\n");
    const head = up.commit("change");
    const env = { HOME: process.env["HOME"], GIT_CONFIG_NOSYSTEM: "1" };

    const md = cli(["diff", "--from", "HEAD~1", "--to", "HEAD", "-o", "markdown"], { cwd: up.work, env });
    expect(md.stderr).toBe("");
    expect(md.code).toBe(1);
    // Markdown punctuation in the title is escaped.
    expect(md.stdout).toContain(`<!-- orchestrator-diff -->\n### orchestrator diff HEAD\\~1..HEAD \\(${base.slice(0, 12)}..${head.slice(0, 12)}\\)`);
    expect(md.stdout).toContain("| 2 | 2 | 1 | 0 | 0 | 1 |");
    expect(md.stdout).toContain("<summary>Update: <code>agent/a</code>");
    expect(md.stdout).toContain("<summary>Delete: <code>agent/gone</code>");
    expect(md.stdout).toContain("did you mean 'command'?");
    expect(md.stdout).toContain("typo.yaml:8");
    expect(md.stdout).not.toMatch(/first-secret|second-secret/);

    const json = JSON.parse(cli(["diff", "--from", base, "--to", head, "-o", "json"], { cwd: up.work, env }).stdout);
    expect(Object.keys(json)).toEqual(["apiVersion", "kind", "summary", "failures", "resources", "diagnostics"]);
    expect(json.kind).toBe("DiffReport");
    // Deletions come last, in the order sync would prune them.
    expect(json.resources.map((r: { name: string; action: string }) => `${r.name}:${r.action}`)).toEqual(["keys:update", "a:update", "new:create", "t:create", "gone:delete"]);
    // The two sides are named by the refs given and their commits.
    expect(json.resources[1].unified).toMatch(new RegExp(`^--- ${base.slice(0, 12)}\n\\+\\+\\+ ${head.slice(0, 12)}\n`));
    const text = cli(["diff", "--from", "HEAD~1", "--to", "HEAD"], { cwd: up.work, env }).stdout;
    expect(text).toContain(`--- HEAD~1@${base.slice(0, 12)}\n+++ HEAD@${head.slice(0, 12)}\n`);

    expect(cli(["diff", "--from", "HEAD", "--to", "HEAD"], { cwd: up.work, env }).code).toBe(0);
    expect(cli(["diff", "--from", "nope", "--to", "HEAD"], { cwd: up.work, env })).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown revision 'nope'") });
    expect(cli(["diff", "--from", "HEAD~1", "--to", "HEAD", "--path", "other"], { cwd: up.work, env }).code).toBe(2);
  });

  it("fails (exit 2) when --path exists in neither commit, naming the path and the commits; one side is fine", () => {
    const up = makeUpstream(root);
    up.write("manifests/a.yaml", agent("a"));
    const base = up.commit("base");
    up.write("deploy/a.yaml", agent("a"));
    const head = up.commit("deploy");
    const env = { HOME: process.env["HOME"], GIT_CONFIG_NOSYSTEM: "1" };
    const message = `path 'manfests' exists in neither HEAD~1@${base.slice(0, 12)} nor HEAD@${head.slice(0, 12)}; pass --path with the directory that holds the manifests`;

    const text = cli(["diff", "--from", "HEAD~1", "--to", "HEAD", "--path", "manfests"], { cwd: up.work, env });
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(`Failed (1): could not be diffed; the summary below leaves it out\n  PathNotFound: ${message}\n`);
    const md = cli(["diff", "--from", "HEAD~1", "--to", "HEAD", "--path", "manfests", "-o", "markdown"], { cwd: up.work, env });
    expect(md.code).toBe(2);
    expect(md.stdout).toContain("**The diff could not be computed:**");
    expect(md.stdout).not.toContain("No changes.");
    expect(md.stderr).toContain(`error: PathNotFound: ${message}`);
    const json = cli(["diff", "--from", "HEAD~1", "--to", "HEAD", "--path", "manfests", "-o", "json"], { cwd: up.work, env });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).failures).toEqual([{ source: null, reason: "PathNotFound", message }]);

    // Present on one side only: everything created (or deleted).
    const created = cli(["diff", "--from", "HEAD~1", "--to", "HEAD", "--path", "deploy", "-o", "json"], { cwd: up.work, env });
    expect(created.code).toBe(1);
    expect(JSON.parse(created.stdout).summary).toMatchObject({ create: 1, delete: 0 });
  });

  it("needs no store or repository state besides the commits", () => {
    const dir = mkdtempSync(join(tmpdir(), "no-repo-"));
    try {
      expect(cli(["diff", "--from", "a", "--to", "b"], { cwd: dir }).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("orchestrator diff of a git source", () => {
  let p: ReturnType<typeof initializedProject>;
  let root: string;
  let restore: () => void;
  beforeEach(() => ({ root, restore } = isolateGit()));
  afterEach(() => {
    p?.cleanup();
    restore();
  });
  const env = () => ({ HOME: process.env["HOME"], GIT_CONFIG_NOSYSTEM: "1" });

  it("carries a source that cannot be read in every format, with exit 2", () => {
    const up = makeUpstream(root);
    up.write("manifests/a.yaml", agent("a"));
    up.commit("a");
    up.push();
    p = initializedProject();
    p.run(["source", "add", "badref", "--git", up.bare, "--ref", "nope", "--path", "manifests"]);
    const message = `ref 'nope' is not a branch, tag or commit of ${up.bare}; nothing applied yet`;

    const md = p.run(["diff", "badref", "-o", "markdown"], { env: env() });
    expect(md.code).toBe(2);
    expect(md.stdout).toBe(
      "<!-- orchestrator-diff -->\n### orchestrator diff\n\n" +
        "| Create | Update | Delete | Unchanged | Errors | Warnings |\n" +
        "| ---: | ---: | ---: | ---: | ---: | ---: |\n" +
        "| 0 | 0 | 0 | 0 | 1 | 0 |\n\n" +
        "**Could not diff 1 source; the changes below leave it out:**\n\n" +
        `- source badref: RefNotFound: ${message.replace(/[\\`*_{}[\]()<>#|~&@!]/g, (c) => `\\${c}`)}\n`,
    );
    expect(md.stdout).not.toContain("No changes.");

    const json = p.run(["diff", "badref", "-o", "json"], { env: env() });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).failures).toEqual([{ source: "badref", reason: "RefNotFound", message }]);
    expect(json.stderr).toBe(`error: source badref: RefNotFound: ${message}\n`);

    const text = p.run(["diff", "badref"], { env: env() });
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(`  source badref: RefNotFound: ${message}\n`);

    // A path the commit does not have is a failure too.
    p.run(["source", "add", "badpath", "--git", up.bare, "--path", "deploy"]);
    const path = JSON.parse(p.run(["diff", "badpath", "-o", "json"], { env: env() }).stdout);
    expect(path.failures).toEqual([{ source: "badpath", reason: "PathNotFound", message: expect.stringContaining("path 'deploy' does not exist at") }]);
  });

  it("leaves the clone checked out at the applied commit", () => {
    const up = makeUpstream(root);
    up.write("manifests/a.yaml", agent("a"));
    const applied = up.commit("a");
    up.push();
    p = initializedProject();
    p.run(["source", "add", "repo", "--git", up.bare, "--path", "manifests"]);
    expect(p.run(["sync", "repo"], { env: env() }).code).toBe(0);
    up.write("manifests/a.yaml", agent("a", "echo next"));
    up.commit("next");
    up.push();
    expect(p.run(["diff", "repo"], { env: env() }).code).toBe(1);
    expect(git(join(p.dir, ".orchestrator/sources/repo"), "rev-parse", "HEAD")).toBe(applied);
  });
});
