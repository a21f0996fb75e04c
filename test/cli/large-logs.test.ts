/**
 * Step logs of any size: a run's log keeps at most its cap (100 MiB by
 * default; `log_max_bytes` on a step, `safety.step_log_max_bytes` on a
 * workflow, 0 for none) as its head and its tail with a note of what was
 * dropped; `task logs` prints a 200 MB log in bounded memory, whole or with
 * `--tail`, to a reader slower than the disk; and a capture that saw only
 * the last 64 KiB of a stream says so in the log.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, initializedProject } from "../support/cli.js";

const MiB = 1024 * 1024;
const LINE = "a line of output, long enough to look like what agents print...\n"; // 64 bytes
/** `count` bytes of LINE, then END. */
const spew = (bytes: number): string => `yes '${LINE.trimEnd()}' | head -c ${bytes}; echo END`;
if (Buffer.byteLength(LINE) !== 64) throw new Error("LINE must be 64 bytes");

const MANIFEST = `apiVersion: orchestrator.dev/v2
kind: Workspace
metadata:
  name: w
spec:
  root_path: "."
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: capped
spec:
  steps:
    - id: default-cap
      command: "${spew(120_000_000)}"
    - id: small-cap
      log_max_bytes: 1048576
      command: seq 1 400000
    - id: captured
      command: "seq 1 100000; echo '{\\"result\\": \\"ok\\"}'"
      behavior:
        captures:
          - var: result
            source: stdout
            json_path: $.result
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: uncapped
spec:
  safety:
    step_log_max_bytes: 0
  steps:
    - id: big
      command: "${spew(200_000_000)}"
`;

interface Run {
  id: string;
  step: string;
  logPath: string;
}

type Project = ReturnType<typeof initializedProject>;

/** `orchestrator run --workflow W` with its output to /dev/null (it is hundreds of MB); returns the task id. */
function runQuietly(p: Project, workflow: string): string {
  const devnull = openSync("/dev/null", "w");
  try {
    const r = spawnSync(process.execPath, [CLI, "run", "--workflow", workflow], { cwd: p.dir, stdio: ["ignore", devnull, "pipe"], env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1" }, encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    return /\((t-[0-9a-z]+)\)/.exec(r.stderr)![1]!;
  } finally {
    closeSync(devnull);
  }
}

function runsOf(p: Project, task: string): Run[] {
  const info = JSON.parse(p.run(["task", "info", task, "-o", "json"]).stdout) as { runs: Array<{ id: string; step: string; logPath: string }> };
  return info.runs.map((r) => ({ id: r.id, step: r.step, logPath: r.logPath }));
}

interface Read {
  bytes: number;
  head: string;
  end: string;
  /** Peak resident memory of the `task logs` process (VmHWM), in bytes. */
  peakRss: number;
  code: number | null;
}

/** Runs `orchestrator ...args`, reading its output slower than it can write, and watches its peak memory. */
async function readSlowly(p: Project, args: readonly string[]): Promise<Read & { stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: p.dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1" } });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  let bytes = 0;
  let head = "";
  let end = "";
  let peakRss = 0;
  const watch = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (m) peakRss = Math.max(peakRss, Number(m[1]) * 1024);
    } catch {
      // exited
    }
  }, 10);
  child.stdout!.on("data", (d: Buffer) => {
    bytes += d.length;
    if (head.length < 4096) head += d.toString("utf8");
    end = (end + d.toString("utf8")).slice(-4096);
    // A slow reader: the writer has to wait for it.
    child.stdout!.pause();
    setTimeout(() => child.stdout!.resume(), 1);
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
  clearInterval(watch);
  return { bytes, head, end, peakRss, code, stderr };
}

const readLogs = (p: Project, args: readonly string[]): Promise<Read> => readSlowly(p, ["task", "logs", ...args]);

describe("large step logs", { timeout: 240_000 }, () => {
  let p: Project;
  let capped: Run[];
  let uncapped: Run;
  let uncappedTask: string;

  let followed: Read & { stderr: string };

  beforeAll(async () => {
    p = initializedProject({ "m.yaml": MANIFEST });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    capped = runsOf(p, runQuietly(p, "capped"));
    // Run in this process, its output followed live by a slow reader.
    followed = await readSlowly(p, ["run", "--workflow", "uncapped"]);
    expect(followed.code, followed.stderr).toBe(0);
    uncappedTask = /\((t-[0-9a-z]+)\)/.exec(followed.stderr)![1]!;
    uncapped = runsOf(p, uncappedTask)[0]!;
  }, 240_000);
  afterAll(() => p?.cleanup());

  it("caps a run's log at 100 MiB by default, keeping its head and its tail and saying how much was dropped between them", () => {
    const log = capped.find((r) => r.step === "default-cap")!.logPath;
    const size = statSync(log).size;
    expect(size).toBeGreaterThan(100 * MiB);
    expect(size).toBeLessThan(100 * MiB + 4096);
    const fd = openSync(log, "r");
    try {
      const buf = Buffer.alloc(4096);
      const n = (at: number): string => buf.subarray(0, readSync(fd, buf, 0, buf.length, at)).toString("utf8");
      expect(n(0)).toMatch(/^\[orchestrator\] step default-cap cycle 1: command starting\na line of output/);
      expect(n(size - 100)).toMatch(/a line of output[^\n]*\nEND\n$/);
      // The notes sit where the head ends.
      const middle = n(50 * MiB - 64);
      expect(middle).toContain("[orchestrator] output passed this log's cap of 100 MiB: the first 50 MiB are above; from here only the last 50 MiB are kept, written below when the step ends\n");
      expect(middle).toMatch(/\[orchestrator\] \d+ bytes of output dropped here \(log cap 100 MiB\); the last 52428800 bytes follow\n/);
    } finally {
      closeSync(fd);
    }
  });

  it("caps it at a step's log_max_bytes, and counts exactly what it dropped", () => {
    const log = readFileSync(capped.find((r) => r.step === "small-cap")!.logPath, "utf8");
    const output = Array.from({ length: 400_000 }, (_, i) => `${i + 1}\n`).join("");
    // The cap counts the whole log: the engine's note before the command's output too.
    const dropped = Buffer.byteLength("[orchestrator] step small-cap cycle 1: command starting\n") + Buffer.byteLength(output) - MiB;
    expect(log).toMatch(/^\[orchestrator\] step small-cap cycle 1: command starting\n1\n2\n3\n/);
    expect(log).toContain(`[orchestrator] output passed this log's cap of 1 MiB: the first 512 KiB are above; from here only the last 512 KiB are kept, written below when the step ends\n`);
    expect(log).toContain(`[orchestrator] ${dropped} bytes of output dropped here (log cap 1 MiB); the last 524288 bytes follow\n`);
    expect(log.endsWith("399999\n400000\n")).toBe(true);
    // Head and tail are the command's output as it printed it.
    const [head, rest] = log.split(/\n?\[orchestrator\] output passed this log's cap[^\n]*\n/);
    expect(output.startsWith(head!.replace(/^\[orchestrator\][^\n]*\n/, ""))).toBe(true);
    expect(output.endsWith(rest!.replace(/^\[orchestrator\][^\n]*\n/, ""))).toBe(true);
  });

  it("with step_log_max_bytes: 0 a log keeps everything", () => {
    expect(statSync(uncapped.logPath).size).toBeGreaterThan(200_000_000);
  });

  it("says in the log when a capture read only the last 64 KiB of a longer stdout", () => {
    const log = readFileSync(capped.find((r) => r.step === "captured")!.logPath, "utf8");
    const stdout = Array.from({ length: 100_000 }, (_, i) => `${i + 1}\n`).join("") + '{"result": "ok"}\n';
    expect(log).toContain(`[orchestrator] stdout was ${Buffer.byteLength(stdout)} bytes; capture 'result' read only its last 65536 bytes\n`);
    // A stream that fit says nothing.
    expect(readFileSync(capped.find((r) => r.step === "small-cap")!.logPath, "utf8")).not.toContain("read only its last");
  });

  it("orchestrator run follows a step printing 200 MB to a slow reader in bounded memory", () => {
    expect(followed.bytes).toBeGreaterThan(200_000_000);
    expect(followed.end.endsWith("\nEND\n")).toBe(true);
    expect(followed.peakRss).toBeGreaterThan(0);
    expect(followed.peakRss).toBeLessThan(200 * MiB);
  });

  it("task logs prints a 200 MB log whole to a slow reader in bounded memory", async () => {
    const r = await readLogs(p, [uncappedTask]);
    expect(r.code).toBe(0);
    expect(r.bytes).toBeGreaterThan(200_000_000);
    expect(r.head).toMatch(/^==> step big \(run r-[0-9a-z]+\) <==\n\[orchestrator\] step big cycle 1: command starting\na line/);
    expect(r.end.endsWith("\nEND\n")).toBe(true);
    expect(r.peakRss).toBeGreaterThan(0);
    expect(r.peakRss).toBeLessThan(150 * MiB);
  });

  it("task logs --tail N of a 200 MB log reads in bounded memory whatever N is", async () => {
    const few = await readLogs(p, [uncappedTask, "--tail", "2"]);
    expect(few.end).toMatch(/^==> step big \(run r-[0-9a-z]+\) <==\na line[^\n]*\nEND\n$/);
    const most = await readLogs(p, [uncappedTask, "--tail", "3000000"]);
    expect(most.code).toBe(0);
    // 3,000,000 lines of 64 bytes, minus the short last one, plus the header.
    expect(most.bytes).toBeGreaterThan(2_999_999 * 64);
    expect(most.bytes).toBeLessThan(2_999_999 * 64 + 200);
    expect(most.peakRss).toBeLessThan(150 * MiB);
  });
});
