import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Controllers, createTask, describeTaskNow, info, spawnCli, tail, taskProject, until, waitForPhase, type Project } from "./task-support.js";

const HEADER = /^==> step (\S+)(?: \[(\S+)\])? \(run (r-[0-9a-z]+)(?:, [^)]*)?\) <==$/;

describe("orchestrator task logs", { timeout: 120_000 }, () => {
  let p: Project;
  const controllers = new Controllers();
  let basic: string;
  let big: string;

  beforeAll(async () => {
    p = taskProject();
    basic = createTask(p, "basic", "basic-logs");
    big = createTask(p, "big", "big-logs");
    p.run(["task", "start", basic]);
    p.run(["task", "start", big]);
    controllers.start(p);
    await waitForPhase(p, basic, ["Completed"]);
    await waitForPhase(p, big, ["Completed"]);
  }, 120_000);
  afterAll(async () => {
    await controllers.stopAll();
    p?.cleanup();
  });

  it("prints every run's log in run order, each under a header naming step, item and run", () => {
    const r = p.run(["task", "logs", "basic-logs"]);
    expect(r.code).toBe(0);
    const runs = info(p, basic).runs;
    const headers = r.stdout.split("\n").filter((l) => l.startsWith("==> "));
    expect(headers.map((h) => HEADER.exec(h)?.slice(1, 4))).toEqual(runs.map((run) => [run.step, run.item ?? undefined, run.id]));
    expect(r.stdout).toContain(`==> step plan (run ${runs[0]!.id}) <==\n[orchestrator] step plan cycle 1: command starting\nplanning\nplan-done\n`);
    expect(r.stdout).toContain(`==> step check [docs/qa/b.md] (run ${runs[2]!.id}) <==\n[orchestrator] step check item docs/qa/b.md cycle 1: command starting\nchecking docs/qa/b.md\n`);
  });

  it("--tail N prints the last N lines of a large log, read from its end", () => {
    const spew = info(p, big).runs.find((r) => r.step === "spew")!;
    const r = p.run(["task", "logs", big, "--tail", "3"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`==> step spew (run ${spew.id}) <==\nline 29998\nline 29999\nline 30000\n`);
    expect(p.run(["task", "logs", big, "--tail", "1"]).stdout).toBe(`==> step spew (run ${spew.id}) <==\nline 30000\n`);
  });

  it("--tail spans runs when the last run has fewer lines, heading each part", () => {
    const runs = info(p, basic).runs;
    const r = p.run(["task", "logs", basic, "--tail", "3"]);
    expect(r.stdout).toBe(
      `==> step check [docs/qa/a.md] (run ${runs[1]!.id}) <==\nchecking docs/qa/a.md\n` +
        `==> step check [docs/qa/b.md] (run ${runs[2]!.id}) <==\n[orchestrator] step check item docs/qa/b.md cycle 1: command starting\nchecking docs/qa/b.md\n`,
    );
    expect(p.run(["task", "logs", basic, "--tail", "0"]).stdout).toBe("");
  });

  it("the whole of a large log is printed without --tail", () => {
    const r = p.run(["task", "logs", big]);
    const lines = r.stdout.trimEnd().split("\n");
    // Two headers, two orchestrator notes, two intro lines, 30000 lines.
    expect(lines).toHaveLength(30_006);
    expect(lines.at(-1)).toBe("line 30000");
  });

  it("ends quietly with status 0 when the reader goes away (| head)", async () => {
    const logs = spawnCli(p, ["task", "logs", big]);
    logs.child.stdout!.once("data", () => logs.child.stdout!.destroy());
    const r = await logs.done;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("--timestamps prefixes each log line with its run's start time", () => {
    const runs = info(p, basic).runs;
    const r = p.run(["task", "logs", basic, "--timestamps"]);
    const lines = r.stdout.trimEnd().split("\n");
    let run = -1;
    for (const line of lines) {
      if (line.startsWith("==> ")) {
        run++;
        continue;
      }
      expect(line.startsWith(`${runs[run]!.startedAt} `)).toBe(true);
    }
    expect(run).toBe(runs.length - 1);
    expect(r.stdout).toContain(`${runs[0]!.startedAt} planning\n`);
  });

  it("--follow prints output as it is written and exits 0 when the task completes", async () => {
    const id = createTask(p, "ticker", "ticker");
    const follow = spawnCli(p, ["task", "logs", id, "--follow"]);
    p.run(["task", "start", id]);
    const result = await follow.done;
    expect(result.code).toBe(0);
    expect(info(p, id).task.phase).toBe("Completed");
    expect(result.stdout).toMatch(/^==> step tick \(run r-[0-9a-z]+\) <==\n\[orchestrator\] step tick cycle 1: command starting\ntick 1\ntick 2\ntick 3\ntick 4\ntick 5\n$/);
  });

  it("--follow shows every line a step wrote before a pause stopped it, then exits 0", async () => {
    const id = createTask(p, "stream", "stream-paused");
    const follow = spawnCli(p, ["task", "logs", id, "--follow"]);
    p.run(["task", "start", id]);
    try {
      await until(() => follow.stdout().includes("line-5\n"), 60_000, "the step's fifth line to be read", () =>
        `logs --follow stdout ${JSON.stringify(tail(follow.stdout()))}, stderr ${JSON.stringify(tail(follow.stderr()))}, exit ${follow.child.exitCode}; task ${describeTaskNow(p, id)}`);
      expect(p.run(["task", "pause", id]).code).toBe(0);
      const result = await follow.done;
      expect(result.code).toBe(0);
      expect(result.stderr).toBe("");
      const run = info(p, id).runs[0]!;
      expect(run.status).toBe("cancelled");
      // The step's own log file: every line it wrote before it was stopped, the last included.
      const written = readFileSync(run.logPath!, "utf8").split("\n").filter((l) => l.startsWith("line-"));
      const shown = result.stdout.split("\n").filter((l) => l.startsWith("line-"));
      expect(shown.at(-1), `logs -f ended at ${shown.at(-1)}; the step wrote up to ${written.at(-1)}`).toBe(written.at(-1));
      expect(shown).toEqual(written);
    } finally {
      p.write("stream.stop", "");
    }
  });

  it("--follow --timestamps stamps lines already written with their run's start time", () => {
    const runs = info(p, basic).runs;
    // The task has finished: following prints what is there and exits.
    const r = p.run(["task", "logs", basic, "--follow", "--timestamps"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(p.run(["task", "logs", basic, "--timestamps"]).stdout);
    expect(r.stdout).toContain(`${runs[0]!.startedAt} planning\n`);
  });

  it("gives a builtin step's run a header too, saying how it ended", async () => {
    const id = createTask(p, "builtins", "with-builtin");
    p.run(["task", "start", id]);
    const runs = (await waitForPhase(p, id, ["Completed"])).runs;
    expect(runs.map((r) => r.step)).toEqual(["warmup", "say"]);
    const r = p.run(["task", "logs", id]);
    expect(r.stdout).toMatch(new RegExp(`^==> step warmup \\(run ${runs[0]!.id}, builtin init_once, succeeded: .+\\) <==\\n==> step say \\(run ${runs[1]!.id}\\) <==\\n`));
    expect(r.stdout.split("\n").filter((l) => l.startsWith("==> ")).map((h) => /^==> step (\S+)/.exec(h)?.[1])).toEqual(["warmup", "say"]);
  });

  it("--follow --timestamps stamps lines written while following with the time they were read", async () => {
    const id = createTask(p, "gated", "gated-stamped");
    const before = new Date().toISOString();
    const follow = spawnCli(p, ["task", "logs", id, "--follow", "--timestamps"]);
    p.run(["task", "start", id]);
    // The second line is written only after the first has been read.
    await until(() => follow.stdout().includes(" tick 1\n"), 60_000, "the first line to be read", () =>
      `logs --follow stdout ${JSON.stringify(tail(follow.stdout()))}, stderr ${JSON.stringify(tail(follow.stderr()))}, exit ${follow.child.exitCode}; task ${describeTaskNow(p, id)}`);
    p.write("tick.go", "");
    const result = await follow.done;
    const after = new Date().toISOString();
    const stamps = result.stdout
      .trimEnd()
      .split("\n")
      .filter((l) => !l.startsWith("==> "))
      .map((l) => l.split(" ")[0]!);
    expect(stamps).toHaveLength(3);
    for (const s of stamps) expect(s >= before && s <= after).toBe(true);
    // Each line is stamped when it was read: the second only after the first was.
    expect(stamps[1]! < stamps[2]!).toBe(true);
  });

  it("rejects a --tail that is not a whole number (exit 2) and an unknown task (exit 1)", () => {
    const bad = p.run(["task", "logs", basic, "--tail", "-3"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--tail must be a whole number of lines, got '-3'");
    const missing = p.run(["task", "logs", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no task matches "nope"');
  });
});
