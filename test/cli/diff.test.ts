import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli, initializedProject } from "../support/cli.js";
import { isolateGit, makeUpstream } from "../reconcile/git/git-fixture.js";

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
    expect(json.summary).toEqual({ create: 1, update: 2, delete: 1, unchanged: 0 });
    expect(json.resources.find((x: { name: string }) => x.name === "a").changes).toEqual([{ path: "spec.command", op: "changed", before: "echo hi", after: "echo new" }]);

    p.write("manifests/a.yaml", agent("a", "echo new") + "---\napiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: bad\nspec:\n  command: 3\n");
    const bad = p.run(["diff", "-o", "markdown"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain("#### Update: `agent/a`");
    expect(bad.stdout).toMatch(/#### \d+ errors?/);
  });

  it("shows drift: a resource changed by hand differs from its source", () => {
    p = initializedProject({ "manifests/a.yaml": agent("a"), "hand.yaml": agent("a", "echo by-hand") });
    p.run(["sync"]);
    p.run(["apply", "-f", "hand.yaml"]);
    const r = p.run(["diff"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("-  command: echo by-hand\n+  command: echo hi\n");
  });

  it("-f compares files against the store as apply would, and --prune shows deletions", () => {
    p = initializedProject({ "one.yaml": agent("a") + "---\n" + agent("b"), "two.yaml": agent("a", "echo 2") });
    p.run(["apply", "-f", "one.yaml"]);
    expect(p.run(["diff", "-f", "one.yaml"]).code).toBe(0);
    const r = p.run(["diff", "-f", "two.yaml", "--prune", "-o", "json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).summary).toEqual({ create: 0, update: 1, delete: 1, unchanged: 0 });
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
    expect(md.stdout).toContain(`### orchestrator diff HEAD\\~1..HEAD \\(${base.slice(0, 12)}..${head.slice(0, 12)}\\)`);
    expect(md.stdout).toContain("| 2 | 2 | 1 | 0 | 0 | 1 |");
    expect(md.stdout).toContain("#### Update: `agent/a`");
    expect(md.stdout).toContain("#### Delete: `agent/gone`");
    expect(md.stdout).toContain("did you mean 'command'?");
    expect(md.stdout).toContain("typo.yaml:8");
    expect(md.stdout).not.toMatch(/first-secret|second-secret/);

    const json = JSON.parse(cli(["diff", "--from", base, "--to", head, "-o", "json"], { cwd: up.work, env }).stdout);
    expect(Object.keys(json)).toEqual(["summary", "resources", "diagnostics"]);
    expect(json.resources.map((r: { name: string; action: string }) => `${r.name}:${r.action}`)).toEqual(["keys:update", "a:update", "gone:delete", "new:create", "t:create"]);

    expect(cli(["diff", "--from", "HEAD", "--to", "HEAD"], { cwd: up.work, env }).code).toBe(0);
    expect(cli(["diff", "--from", "nope", "--to", "HEAD"], { cwd: up.work, env })).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown revision 'nope'") });
    expect(cli(["diff", "--from", "HEAD~1", "--to", "HEAD", "--path", "other"], { cwd: up.work, env }).code).toBe(2);
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
