import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { cli, initializedProject, REPO_ROOT, tempProject } from "../support/cli.js";

const BASIC = join(REPO_ROOT, "test/fixtures/manifests/basic");

describe("orchestrator manifest validate", () => {
  it("passes a valid set without needing a store", () => {
    const t = tempProject();
    try {
      const r = cli(["manifest", "validate", "-f", BASIC], { cwd: t.dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^valid: 7 documents in 3 files: 0 errors/);
    } finally {
      t.cleanup();
    }
  });

  it("exits 1 on errors and prints them with file:line", () => {
    const t = tempProject({ "w.yaml": "apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: qa_loop\nspec:\n  steps:\n    - id: qa\n      command: echo\n      timeout_secs: soon\n" });
    try {
      const r = cli(["manifest", "validate", "-f", "w.yaml"], { cwd: t.dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/workflow\/qa_loop: spec\.steps\[0\]\.timeout_secs: .*\(w\.yaml:9:\d+\)/);
      const j = cli(["manifest", "validate", "-f", "w.yaml", "-o", "json"], { cwd: t.dir });
      expect(JSON.parse(j.stdout).valid).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  it("counts the files read and every document found, also after a syntax error", () => {
    const t = tempProject({
      "a.yaml": "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: a\nspec:\n  command: \"echo hi\n  capabilities: [x]\n",
      "b.yaml": "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: b\nspec:\n  command: echo\n  capabilities: [x]\n---\n- a list\n",
    });
    try {
      const one = cli(["manifest", "validate", "-f", "a.yaml"], { cwd: t.dir });
      expect(one.code).toBe(1);
      expect(one.stderr).toContain("invalid: 1 document in 1 file: 1 error, 0 warnings");
      const both = cli(["manifest", "validate", "-f", "."], { cwd: t.dir });
      expect(both.stderr).toContain("invalid: 3 documents in 2 files: 2 errors, 0 warnings");
      const json = JSON.parse(cli(["manifest", "validate", "-o", "json", "-f", "."], { cwd: t.dir }).stdout);
      expect(json).toMatchObject({ valid: false, files: 2, documents: 3 });
    } finally {
      t.cleanup();
    }
  });

  it("warns on unknown fields with a did-you-mean and still exits 0", () => {
    const t = tempProject({
      "w.yaml":
        "apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: w\nspec:\n  steps:\n    - id: qa\n      command: echo\n      capture:\n        - var: x\n          source: stdout\n",
    });
    try {
      const r = cli(["manifest", "validate", "-f", "w.yaml"], { cwd: t.dir });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/warning: .*capture.*behavior\.captures/);
    } finally {
      t.cleanup();
    }
  });
});

describe("orchestrator manifest export", () => {
  let p: ReturnType<typeof initializedProject>;
  let q: ReturnType<typeof initializedProject>;
  afterEach(() => {
    p?.cleanup();
    q?.cleanup();
  });

  for (const format of ["yaml", "json"]) {
    it(`round-trips as ${format}: export, apply into an empty store, export again gives the same text`, () => {
      p = initializedProject();
      expect(p.run(["apply", "-f", BASIC]).code).toBe(0);
      expect(p.run(["apply", "-f", join(BASIC, "agents.yaml"), "--project", "team-a"]).code).toBe(0);
      const first = p.run(["manifest", "export", "-o", format]);
      expect(first.code).toBe(0);
      q = initializedProject();
      q.write("export." + format, first.stdout);
      const applied = q.run(["apply", "-f", "export." + format]);
      expect(applied.stderr).toBe("");
      expect(applied.code).toBe(0);
      const second = q.run(["manifest", "export", "-o", format]);
      expect(second.stdout).toBe(first.stdout);
    });
  }

  it("leaves secrets out unless asked, and then includes their values", () => {
    p = initializedProject();
    p.run(["apply", "-f", BASIC]);
    const plain = p.run(["manifest", "export"]);
    expect(plain.stdout).not.toContain("s3cr3t-marker-7f1c9a");
    expect(plain.stdout).not.toContain("kind: SecretStore");
    expect(plain.stderr).toMatch(/--include-secrets/);
    const all = p.run(["manifest", "export", "--include-secrets"]);
    expect(all.stdout).toContain("s3cr3t-marker-7f1c9a");
  });
});
