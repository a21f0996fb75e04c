import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { CLI } from "../support/cli.js";
import { Controllers, createTask, spawnCli, tail, taskProject, until, type Project } from "./task-support.js";

/** util-linux `script` gives a command a pseudo-terminal. */
const hasScript = spawnSync("script", ["--version"]).status === 0;

/** Runs the CLI on a pseudo-terminal; returns what it drew. */
function onTerminal(p: Project, args: string[], env: Record<string, string | undefined>): string {
  const shellQuote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, CLI, ...args].map(shellQuote).join(" ");
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ORCHESTRATOR_NO_DAEMON: "1", ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  delete childEnv["ORCHESTRATOR_HOME"];
  const r = spawnSync("script", ["-q", "-e", "-c", command, "/dev/null"], { cwd: p.dir, env: childEnv, encoding: "utf8", timeout: 30_000 });
  return r.stdout;
}

const STAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

describe("orchestrator task watch (no terminal)", { timeout: 120_000 }, () => {
  let p: Project;
  const controllers = new Controllers();
  beforeAll(() => {
    p = taskProject();
    controllers.start(p);
  });
  afterAll(async () => {
    await controllers.stopAll();
    p?.cleanup();
  });

  it("prints a stamped line per change and exits when the task is terminal", async () => {
    const id = createTask(p, "traced", "watched");
    const watch = spawnCli(p, ["task", "watch", id]);
    // Start the task once the watch has shown it Pending, so that first line is what it is.
    await until(() => watch.stdout().includes("\n"), 60_000, "the watch's first line", () =>
      `task watch stdout ${JSON.stringify(tail(watch.stdout()))}, stderr ${JSON.stringify(tail(watch.stderr()))}, exit ${watch.child.exitCode}`);
    p.run(["task", "start", id]);
    const r = await watch.done;
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.every((l) => STAMPED.test(l))).toBe(true);
    const text = lines.map((l) => l.replace(STAMPED, ""));
    expect(text[0]).toBe(`task watched (${id}) Pending cycle 0`);
    expect(text.some((l) => l.startsWith(`task watched (${id}) Running`))).toBe(true);
    expect(text.at(-1)).toMatch(new RegExp(`^task watched \\(${id}\\) Failed cycle 1: failed: bad failed; slow timed_out`));
    expect(text).toContainEqual(expect.stringMatching(/^step ok succeeded \(run r-\S+, cycle 1, exit 0, \d+ms\)$/));
    expect(text).toContainEqual(expect.stringMatching(/^step bad failed \(run r-\S+, cycle 1, exit 3, /));
    expect(text).toContainEqual(expect.stringMatching(/^step maybe skipped \(run r-\S+, cycle 1, 0ms, not needed today\)$/));
    expect(text).toContainEqual(expect.stringMatching(/^step slow timed_out \(.*timed out after 1s\)$/));
    // The slow step was seen running before it timed out: a change, not only an end state.
    expect(text).toContainEqual(expect.stringMatching(/^step slow running \(run r-\S+, cycle 1\)$/));
    // Nothing is printed twice.
    expect(new Set(text).size).toBe(text.length);
  });

  it("shows a finished task once and returns; no colour codes without a terminal", async () => {
    const id = createTask(p, "basic", "finished");
    p.run(["task", "start", id]);
    const first = await spawnCli(p, ["task", "watch", id]).done;
    expect(first.code).toBe(0);
    const r = p.run(["task", "watch", "finished"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Z task finished \\(${id}\\) Completed cycle 1: completed after 1 cycle\\(s\\)\\n`));
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(4);
    expect(r.stdout).not.toContain("\u001b[");
  });

  it.skipIf(!hasScript)("on a terminal, redraws a panel of phase, cycle and steps; colour unless NO_COLOR is set", async () => {
    const id = createTask(p, "basic", "panel");
    p.run(["task", "start", id]);
    await spawnCli(p, ["task", "watch", id]).done;
    const coloured = onTerminal(p, ["task", "watch", id], { NO_COLOR: undefined });
    expect(coloured).toContain("\u001b[H\u001b[J");
    expect(coloured).toContain("phase \u001b[32mCompleted\u001b[39m   cycle 1");
    expect(coloured).toMatch(/STEP +ITEM +STATUS +CYCLE +EXIT +DURATION +AGENT/);
    expect(coloured).toMatch(/\u001b\[32mcheck +docs\/qa\/b\.md +succeeded +1 +0 /);
    const plain = onTerminal(p, ["task", "watch", id], { NO_COLOR: "1" });
    expect(plain).toContain("phase Completed   cycle 1");
    expect(plain.replace("\u001b[H\u001b[J", "")).not.toContain("\u001b[");
  });
});
