import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isProcessAlive, isProcessGroupAlive, processGroupsWithEnv } from "../../../src/engine/process/process-group.js";
import type { ProcessStarted } from "../../../src/engine/process/run-process.js";
import { REPO_ROOT } from "../../support/cli.js";
import { until } from "../../support/controller.js";
import { killLeftoverGroups } from "../../support/process-groups.js";

/** The built module: the helper process runs compiled JavaScript. */
const built = (): Promise<typeof import("../../../src/engine/process/process-host.js")> => import(join(REPO_ROOT, "dist/src/engine/process/process-host.js"));

let dir: string;
const leftovers: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orch-host-"));
});

afterEach(() => {
  killLeftoverGroups(leftovers);
  rmSync(dir, { recursive: true, force: true });
});

/** A command that prints its parent's pid: this process when inline, the helper when hosted. */
const parentOf = (name: string) => ({ command: "sleep 0.3; echo $PPID", env: {}, cwd: dir, logPath: join(dir, `${name}.log`) });

describe("step commands on the helper process", () => {
  it("runs a lone command inline and one started beside it on the helper, each with its log and result", async () => {
    const { runHostedProcess } = await built();
    const lone = await runHostedProcess(parentOf("lone"));
    expect(Number(lone.stdoutTail.trim())).toBe(process.pid);

    const [a, b] = await Promise.all([runHostedProcess(parentOf("a")), runHostedProcess(parentOf("b"))]);
    const parents = [Number(a.stdoutTail.trim()), Number(b.stdoutTail.trim())];
    expect(parents).toContain(process.pid);
    const helper = parents.find((p) => p !== process.pid);
    expect(helper).toBeGreaterThan(0);
    expect(a.exitCode).toBe(0);
    expect(b.exitCode).toBe(0);
    expect(readFileSync(join(dir, "b.log"), "utf8")).toContain(String(parents[1]));
  });

  it("reports the started process to onStart, and cancels a hosted command's whole group on abort", async () => {
    const { runHostedProcess } = await built();
    const abort = new AbortController();
    const started: ProcessStarted[] = [];
    const beside = runHostedProcess(parentOf("beside"));
    const hosted = runHostedProcess({
      command: "sleep 30 & sleep 30; wait",
      env: {},
      cwd: dir,
      logPath: join(dir, "long.log"),
      killGraceMs: 500,
      signal: abort.signal,
      onStart: (s) => {
        started.push(s);
        leftovers.push(s.pgid);
      },
    });
    await until("the hosted command to start", () => started.length === 1, 60_000);
    abort.abort();
    const result = await hosted;
    await beside;
    expect(result.cancelled).toBe(true);
    expect(result.pgid).toBe(started[0]!.pgid);
    expect(isProcessGroupAlive(started[0]!.pgid)).toBe(false);
  });

  it("fails a run whose onStart throws, and stops its command", async () => {
    const { runHostedProcess } = await built();
    const beside = runHostedProcess(parentOf("beside"));
    let pgid = 0;
    const error = await runHostedProcess({
      command: "sleep 30",
      env: {},
      cwd: dir,
      logPath: join(dir, "x.log"),
      killGraceMs: 500,
      onStart: (s) => {
        pgid = s.pgid;
        leftovers.push(s.pgid);
        throw new Error("store is read-only");
      },
    }).catch((e: unknown) => e);
    await beside;
    expect(error).toMatchObject({ reason: "on-start", message: expect.stringContaining("store is read-only") });
    expect(isProcessGroupAlive(pgid)).toBe(false);
  });

  it("fails what ran on a helper that died, stopping its commands, and starts a new helper after", async () => {
    const { runHostedProcess } = await built();
    const beside = runHostedProcess({ command: "sleep 1", env: {}, cwd: dir, logPath: join(dir, "beside.log") });
    let started: ProcessStarted | undefined;
    const hosted = runHostedProcess({
      command: "echo $PPID; sleep 30",
      env: {},
      cwd: dir,
      logPath: join(dir, "orphan.log"),
      onStart: (s) => {
        started = s;
        leftovers.push(s.pgid);
      },
    }).catch((e: unknown) => e);
    await until("the hosted command to print its parent", () => started !== undefined && /^\d+$/.test(readFileSync(join(dir, "orphan.log"), "utf8").trim()), 60_000);
    const helper = Number(readFileSync(join(dir, "orphan.log"), "utf8").trim());
    expect(helper).not.toBe(process.pid);
    process.kill(helper, "SIGKILL");
    expect(await hosted).toMatchObject({ reason: "spawn", message: expect.stringContaining("helper process") });
    await until("its process group to be killed", () => !isProcessGroupAlive(started!.pgid), 60_000);
    await until("the helper to be gone", () => !isProcessAlive(helper), 60_000);
    await beside;

    const again = await Promise.all([runHostedProcess(parentOf("c")), runHostedProcess(parentOf("d"))]);
    expect(again.map((r) => r.exitCode)).toEqual([0, 0]);
    expect(again.map((r) => Number(r.stdoutTail.trim())).filter((p) => p !== process.pid && p !== helper)).toHaveLength(1);
  });

  it("ends the commands of an engine killed with SIGKILL, those it ran inline and those on the helper", async () => {
    const engine = join(dir, "engine.mjs");
    writeFileSync(
      engine,
      `import { runHostedProcess } from ${JSON.stringify(join(REPO_ROOT, "dist/src/engine/process/process-host.js"))};
const run = (name) => runHostedProcess({ command: "echo $$ > " + name + ".pid; sleep 100 & wait", env: {}, cwd: ${JSON.stringify(dir)}, logPath: ${JSON.stringify(dir)} + "/" + name + ".log", runId: "r-" + name });
run("inline");
run("hosted");
`,
    );
    const child = spawn(process.execPath, [engine], { stdio: "ignore" });
    const pidOf = (name: string): number => Number(readFileSync(join(dir, `${name}.pid`), "utf8").trim());
    const started = (name: string): boolean => existsSync(join(dir, `${name}.pid`)) && /^\d+$/.test(readFileSync(join(dir, `${name}.pid`), "utf8").trim());
    await until("both commands to start", () => started("inline") && started("hosted"), 10_000);
    const groups = [pidOf("inline"), pidOf("hosted")];
    leftovers.push(...groups);
    // One ran in the engine's process, the other on its helper.
    expect(new Set(groups.map((g) => ppidOf(g))).size).toBe(2);
    child.kill("SIGKILL");
    await until("both groups to end", () => groups.every((g) => !isProcessGroupAlive(g)), 10_000);
    await until("the inline command's log to say why it ended", () => readFileSync(join(dir, "inline.log"), "utf8").includes("[orchestrator] the engine process running this step stopped"), 10_000);
  });

  it("ends an engine's commands when it dies while its helper is reporting a start (the report's failed write does not kill the helper)", async () => {
    // A bare engine that keeps its helper starting commands, then dies at a random moment: often while
    // the helper writes a `started` report into the closed channel (EPIPE).
    const engine = join(dir, "engine.mjs");
    writeFileSync(
      engine,
      `import { fork } from "node:child_process";
const [entry, tag] = process.argv.slice(2);
const helper = fork(entry, [String(process.pid)], { detached: true, execArgv: [], stdio: ["ignore", "ignore", "inherit", "ipc"] });
let id = 0;
const run = () => helper.send({ type: "run", id: id++, options: { command: "sleep 300", env: { HOST_TEST_TAG: tag }, cwd: ${JSON.stringify(dir)}, logPath: ${JSON.stringify(dir)} + "/" + tag + ".log", runId: tag + "-" + id } });
helper.on("message", (m) => m.type === "started" && run());
for (let i = 0; i < 4; i++) run();
setTimeout(() => process.kill(process.pid, "SIGKILL"), 200 + Math.random() * 600);
`,
    );
    const entry = join(REPO_ROOT, "dist/src/engine/process/process-host-entry.cjs");
    let stderr = "";
    const tags = Array.from({ length: 12 }, (_, i) => `host-test-${process.pid}-${i}`);
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        tags.slice(round * 4, round * 4 + 4).map(
          (tag) =>
            new Promise<void>((resolve) => {
              const child = spawn(process.execPath, [engine, entry, tag], { stdio: ["ignore", "ignore", "pipe"] });
              // The helper writes here too (how it crashed, if it did), and holds the pipe open until it exits.
              child.stderr.on("data", (d) => (stderr += d));
              child.stderr.on("close", () => resolve());
            }),
        ),
      );
    }
    const tagged = (): number[] => tags.flatMap((t) => processGroupsWithEnv("HOST_TEST_TAG", t));
    leftovers.push(...tagged());
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    await until("every command of the dead engines to end", () => tagged().length === 0, 20_000, undefined, () => `groups ${tagged().join(", ")} still running`);
  });
});

function ppidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}
