import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, initializedProject, REPO_ROOT, tempProject } from "../support/cli.js";

const REAL = ["claude-code", "codex", "gemini-cli", "opencode"];
/** The program each preset starts, as its command names it. */
const BINARY: Record<string, string> = { "claude-code": "claude", codex: "codex", "gemini-cli": "gemini", opencode: "opencode" };
/** Every bundled example but its agents. */
const EXAMPLES = readdirSync(join(REPO_ROOT, "manifests")).filter((f) => f.endsWith(".yaml") && f !== "agents.yaml");
/** The echo agents' names, in file order. */
const ECHO_AGENTS = [...readFileSync(join(REPO_ROOT, "manifests/agents.yaml"), "utf8").matchAll(/^kind: Agent\nmetadata:\n {2}name: (\S+)$/gm)].map((m) => m[1]!);

/**
 * A stand-in for the real tool (which needs an account and a network): it
 * records its arguments and standard input, then answers as an agent does.
 */
function fakeTool(dir: string, name: string): string {
  const bin = join(dir, "fake-bin");
  mkdirSync(bin, { recursive: true });
  const script = join(bin, name);
  writeFileSync(script, [
    "#!/bin/sh",
    `printf '%s\\n' "$@" > "${join(dir, `${name}.args`)}"`,
    `cat > "${join(dir, `${name}.stdin`)}"`,
    "echo 'done: {\"confidence\":0.9,\"quality_score\":0.9}'",
    "",
  ].join("\n"));
  chmodSync(script, 0o755);
  return bin;
}

/** The bundled examples without their echo agents. */
function examplesWithoutAgents(): ReturnType<typeof initializedProject> {
  const p = initializedProject();
  mkdirSync(join(p.dir, "examples"));
  for (const f of EXAMPLES) copyFileSync(join(REPO_ROOT, "manifests", f), join(p.dir, "examples", f));
  return p;
}

describe("orchestrator preset", () => {
  it("lists the echo examples and the four real agents with the release each was written for", () => {
    const r = cli(["preset", "list", "-o", "json"], { cwd: REPO_ROOT });
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { kind: string; items: Array<{ kind: string; name: string; agents: string[]; writtenFor: string; capabilities: string[] }> };
    expect(list.kind).toBe("List");
    const presets = list.items;
    expect(new Set(presets.map((p) => p.kind))).toEqual(new Set(["Preset"]));
    expect(presets.map((p) => p.name)).toEqual(["echo", ...["claude-code", "codex", "gemini-cli", "opencode"]]);
    expect(ECHO_AGENTS.length).toBeGreaterThanOrEqual(3);
    expect(presets[0]!.agents).toEqual(ECHO_AGENTS);
    for (const p of presets.slice(1)) {
      expect(p.writtenFor).toMatch(/\d+\.\d+/);
      expect(p.capabilities).toEqual(expect.arrayContaining(["greet", "plan", "implement", "verify"]));
    }
    const names = cli(["preset", "list", "-o", "name"], { cwd: REPO_ROOT }).stdout;
    expect(names).toBe(presets.map((p) => `preset/${p.name}\n`).join(""));
    expect(cli(["preset", "show", "preset/codex"], { cwd: REPO_ROOT }).stdout).toBe(readFileSync(join(REPO_ROOT, "presets/codex.yaml"), "utf8"));
    const table = cli(["preset", "list"], { cwd: REPO_ROOT }).stdout;
    expect(table.split("\n")[0]).toMatch(/^NAME\s+AGENTS\s+CAPABILITIES\s+WRITTEN FOR$/);
  });

  it("shows a preset's file as it is shipped; echo is the examples' own agents", () => {
    expect(cli(["preset", "show", "echo"], { cwd: REPO_ROOT }).stdout).toBe(readFileSync(join(REPO_ROOT, "manifests/agents.yaml"), "utf8"));
    expect(cli(["preset", "show", "codex"], { cwd: REPO_ROOT }).stdout).toBe(readFileSync(join(REPO_ROOT, "presets/codex.yaml"), "utf8"));
    const bad = cli(["preset", "show", "cursor"], { cwd: REPO_ROOT });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: unknown preset 'cursor'; presets: echo, claude-code, codex, gemini-cli, opencode\n");
  });

  it("validates every preset without an error or a warning", () => {
    const t = tempProject();
    try {
      const r = cli(["manifest", "validate", "-f", join(REPO_ROOT, "presets")], { cwd: t.dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^valid: 4 documents in 4 files: 0 errors, 0 warnings/);
    } finally {
      t.cleanup();
    }
  });

  for (const name of REAL) {
    it(`${name}: applied alone, it covers every capability the bundled workflows need, and runs hello-world through the tool's own command line`, () => {
      const p = examplesWithoutAgents();
      try {
        expect(p.run(["apply", "-f", "examples"]).code).toBe(0);
        expect(p.run(["check"]).code).toBe(1);
        const applied = p.run(["preset", "apply", name]);
        expect(applied.code, applied.stderr).toBe(0);
        expect(applied.stdout).toBe(`agent/${name} created\n`);
        const check = p.run(["check"]);
        expect(check.stdout + check.stderr).toContain("check passed: 0 errors");
        expect(check.code).toBe(0);

        const bin = fakeTool(p.dir, BINARY[name]!);
        const env = { PATH: `${bin}${delimiter}${process.env["PATH"] ?? ""}` };
        const r = p.run(["run", "--workflow", "hello-world", "--goal", "the reviewers; $(touch pwned)"], { env });
        expect(r.code, r.stderr).toBe(0);
        const args = readFileSync(join(p.dir, `${BINARY[name]}.args`), "utf8");
        const stdin = readFileSync(join(p.dir, `${BINARY[name]}.stdin`), "utf8");
        const prompt = "Say hello to the reviewers; $(touch pwned).";
        if (name === "opencode") {
          expect(args).toBe(`run\n${prompt}\n`);
        } else {
          expect(stdin).toBe(prompt);
          expect(args).not.toContain("hello");
        }
        expect(() => readFileSync(join(p.dir, "pwned"))).toThrow();
      } finally {
        p.cleanup();
      }
    });
  }

  it("apply -f manifests/ still applies the echo agents only", () => {
    const p = initializedProject();
    try {
      const r = p.run(["apply", "-f", join(REPO_ROOT, "manifests")]);
      expect(r.code, r.stderr).toBe(0);
      expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe(ECHO_AGENTS.map((a) => `agent/${a}\n`).sort().join(""));
    } finally {
      p.cleanup();
    }
  });
});
