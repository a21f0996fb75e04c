import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";

const agent = (name: string, command = "echo hi") =>
  `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\nspec:\n  capabilities: [x]\n  command: ${command}\n`;
const secret = (value: string) => `apiVersion: orchestrator.dev/v2\nkind: SecretStore\nmetadata:\n  name: keys\nspec:\n  data:\n    TOKEN: "${value}"\n`;

describe("orchestrator diff -o markdown for a pull-request comment", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("fits a 10,000-resource change in one GitHub comment (under 65,536 characters), marker first", () => {
    p = initializedProject();
    const docs = Array.from({ length: 10_000 }, (_, i) => agent(`agent-${String(i).padStart(5, "0")}`, `echo ${"work ".repeat(8)}${i}`));
    p.write("big.yaml", docs.join("---\n"));
    const r = p.run(["diff", "-f", "big.yaml", "-o", "markdown"], { timeoutMs: 180_000 });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBeLessThan(65_536);
    expect(r.stdout.startsWith("<!-- orchestrator-diff -->\n### orchestrator diff\n\n| Create | Update | Delete | Unchanged | Errors | Warnings |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n| 10000 | 0 | 0 | 0 | 0 | 0 |\n")).toBe(true);
    // Every diff is as large as the next: all are folded to one line, and the list stops where the room does.
    expect(r.stdout).toContain("\n- Create: <code>agent/agent-00000</code> in project <code>default</code>: diff of 13 lines folded\n- Create: <code>agent/agent-00001</code>");
    const listed = r.stdout.match(/^- Create: /gm)!.length;
    expect(listed).toBeGreaterThan(300);
    expect(r.stdout).toContain(`> **Cut to fit a GitHub comment (65,536 characters):** ${listed} diffs folded to one line each, largest first; the last ${10_000 - listed} resources not listed (they are counted in the table).`);
  }, 240_000);
});

describe("ORCHESTRATOR_EXTERNAL_DIFF", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  const setup = (): void => {
    p = initializedProject({ "v1/a.yaml": agent("a") + "---\n" + agent("b") + "---\n" + secret("old-secret-value") });
    expect(p.run(["apply", "-f", "v1"]).code).toBe(0);
    p.write("v2/a.yaml", agent("a", "echo new") + "---\n" + agent("c") + "---\n" + secret("new-secret-value"));
  };

  it("runs the program on two directories of per-resource YAML, as kubectl does, with secrets redacted", () => {
    setup();
    const r = p.run(["diff", "-f", "v2", "--prune"], { env: { ORCHESTRATOR_EXTERNAL_DIFF: "diff -u -N" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^--- \S+\/live\/Agent\.default\.a\.yaml\t/m);
    expect(r.stdout).toMatch(/^\+\+\+ \S+\/desired\/Agent\.default\.a\.yaml\t/m);
    expect(r.stdout).toContain("-  command: echo hi\n+  command: echo new\n");
    expect(r.stdout).toMatch(/^\+\+\+ \S+\/desired\/Agent\.default\.c\.yaml/m);
    expect(r.stdout).toMatch(/^--- \S+\/live\/Agent\.default\.b\.yaml/m);
    expect(r.stdout).toContain("SecretStore.default.keys.yaml");
    expect(r.stdout).not.toMatch(/(old|new)-secret-value/);
  });

  it("passes the directories as the last two arguments, after the program's own, and removes them after", () => {
    setup();
    const script = p.write("show.sh", '#!/bin/sh\necho "args: $1 $(basename "$2") $(basename "$3")"\necho "$2" > dirs.txt\nls "$2" "$3"\nexit 1\n');
    chmodSync(script, 0o755);
    const r = p.run(["diff", "-f", "v2"], { env: { ORCHESTRATOR_EXTERNAL_DIFF: `${script} --flag` } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^args: --flag live desired\n/);
    expect(r.stdout).toContain("Agent.default.a.yaml");
    expect(r.stdout).toContain("Agent.default.c.yaml");
    expect(existsSync(readFileSync(join(p.dir, "dirs.txt"), "utf8").trim())).toBe(false);
  });

  it("exits 0 when nothing differs, and 2 when the program fails or cannot start", () => {
    setup();
    expect(p.run(["diff", "-f", "v1"], { env: { ORCHESTRATOR_EXTERNAL_DIFF: "diff -u -N" } })).toMatchObject({ code: 0, stdout: "" });
    const missing = p.run(["diff", "-f", "v2"], { env: { ORCHESTRATOR_EXTERNAL_DIFF: "no-such-diff-program" } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: ORCHESTRATOR_EXTERNAL_DIFF: cannot run 'no-such-diff-program': /m);
    const failing = p.run(["diff", "-f", "v2"], { env: { ORCHESTRATOR_EXTERNAL_DIFF: "sh -c 'exit 3'" } });
    expect(failing.code).toBe(2);
  });

  it("reports validation errors on stderr and exits 2, and is not used for -o json or markdown", () => {
    setup();
    p.write("bad/a.yaml", agent("a", "3"));
    const r = p.run(["diff", "-f", "bad"], { env: { ORCHESTRATOR_EXTERNAL_DIFF: "diff -u -N" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: agent\/a: spec\.command: must be string/m);
    const md = p.run(["diff", "-f", "v2", "-o", "markdown"], { env: { ORCHESTRATOR_EXTERNAL_DIFF: "diff -u -N" } });
    expect(md.stdout.startsWith("<!-- orchestrator-diff -->")).toBe(true);
  });
});
