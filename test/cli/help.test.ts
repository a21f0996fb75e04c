import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CLI, REPO_ROOT } from "../support/cli.js";

const run = promisify(execFile);

async function help(path: readonly string[]): Promise<string> {
  const r = await run(process.execPath, [CLI, ...path, "--help"], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: "1" } });
  return r.stdout;
}

/** Subcommand names listed under "Commands:" (commander's own `help` left out; `list|ls` is `list`). */
function subcommands(text: string): string[] {
  const section = text.split(/\nCommands:\n/)[1]?.split(/\n\n/)[0] ?? "";
  return section.split("\n").map((l) => /^ {2}([^\s|]+)/.exec(l)?.[1]).filter((n): n is string => !!n && n !== "help");
}

describe("every command's --help", () => {
  it("has examples and names the environment variables it reads", async () => {
    const seen: Array<{ path: string[]; text: string }> = [];
    let level: string[][] = [[]];
    while (level.length) {
      const texts = await Promise.all(level.map(help));
      const next: string[][] = [];
      texts.forEach((text, i) => {
        seen.push({ path: level[i]!, text });
        for (const sub of subcommands(text)) next.push([...level[i]!, sub]);
      });
      level = next;
    }
    expect(seen.length).toBeGreaterThan(45);
    const lacking = seen.filter(({ text }) => !/\nExamples:\n {2}\S/.test(text) || !/\nEnvironment:\n {2}\S/.test(text));
    expect(lacking.map(({ path }) => path.join(" ") || "(root)")).toEqual([]);
    const byPath = new Map(seen.map(({ path, text }) => [path.join(" "), text]));
    expect(byPath.get("apply")).toMatch(/ORCHESTRATOR_HOME .*\n {2}ORCHESTRATOR_NO_DAEMON /);
    expect(byPath.get("diff")).toContain("ORCHESTRATOR_EXTERNAL_DIFF");
    expect(byPath.get("controller")).toContain("ORCHESTRATOR_WEBHOOK_BIND");
    expect(byPath.get("sync")).toContain("ORCHESTRATOR_AGE_KEY_FILE");
    expect(byPath.get("trigger fire")).toMatch(/Examples:\n {2}orchestrator trigger fire nightly-qa/);
    expect(byPath.get("init")).toContain("ORCHESTRATOR_STORE_URL");
    expect(byPath.get("task logs")).toContain("ORCHESTRATOR_STORE_URL");
    expect(byPath.get("controller")).toContain("ORCHESTRATOR_LEASE_MS");
    expect(byPath.get("version")).toMatch(/Environment:\n {2}\(none read\)/);
  }, 180_000);
});
