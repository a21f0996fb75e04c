import { mkdtempSync, readFileSync, rmSync, statSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Effect, Fiber } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isProcessAlive, isProcessGroupAlive } from "../../../src/engine/process/process-group.js";
import { killLeftoverGroups } from "../../support/process-groups.js";
import {
  ProcessStartError,
  runProcess,
  runProcessEffect,
  type ProcessStarted,
} from "../../../src/engine/process/run-process.js";

let dir: string;
let logPath: string;
const leftovers: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orch-run-"));
  logPath = join(dir, "logs", "step.log");
});

afterEach(() => {
  killLeftoverGroups(leftovers);
  rmSync(dir, { recursive: true, force: true });
});

const readLog = () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : "");

/** Polls `check`; on timeout says which condition it was, and what the step's log held by then. */
async function waitFor(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${check.toString()}; the log held:\n${readLog()}`);
    await sleep(10);
  }
}

/** First line of stdout that is a number: the pid a command echoed with `echo $!`. */
function pidFromLog(): number {
  const match = /^(\d+)$/m.exec(readLog());
  if (!match) throw new Error(`no pid in log: ${readLog()}`);
  return Number(match[1]);
}

describe("masking secrets", () => {
  it("masks a secret split across writes and across stdout and stderr, in the log and the tails", async () => {
    const cmd = [
      "printf 'value: top-'",
      "printf 'SE' >&2",
      "touch half",
      "while [ ! -f go ]; do sleep 0.01; done",
      "printf 'CRET-42 end\\n' >&2",
      "printf 'again top-SECRET-42\\n'",
    ].join("; ");
    const run = runProcess({ command: cmd, env: {}, cwd: dir, logPath, redact: ["top-SECRET-42"] });
    // The first halves are written (and read) before the rest exists.
    await waitFor(() => existsSync(join(dir, "half")));
    await sleep(50);
    writeFileSync(join(dir, "go"), "");
    const result = await run;
    expect(result.exitCode).toBe(0);
    const log = readLog();
    expect(log).not.toContain("SECRET-42");
    expect(log).toContain("value: [REDACTED] end\n");
    expect(log).toContain("again [REDACTED]\n");
    // Each stream's own text holds only a piece of it; whole values there are masked.
    expect(result.stdoutTail).not.toContain("top-SECRET-42");
    expect(result.stderrTail).not.toContain("top-SECRET-42");
    expect(result.stdoutTail).toContain("again [REDACTED]");
  });
});

describe("runProcess", () => {
  it("returns the exit code and a tail of each stream", async () => {
    const result = await runProcess({
      command: "echo out; echo err >&2; exit 3",
      env: {},
      cwd: dir,
      logPath,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stdoutTail).toBe("out\n");
    expect(result.stderrTail).toBe("err\n");
    expect(result.timedOut).toBe(false);
    expect(result.cancelled).toBe(false);
    expect(result.pgid).toBe(result.pid);
    expect(Date.parse(result.finishedAt)).toBeGreaterThanOrEqual(Date.parse(result.startedAt));
    expect(readLog()).toContain("out\n");
    expect(readLog()).toContain("err\n");
  });

  it("streams output to the log while the process is still running", async () => {
    let done = false;
    // The command holds until the test has seen its first line in the log.
    const running = runProcess({
      command: "echo first; while [ ! -f go ]; do sleep 0.02; done; echo second",
      env: {},
      cwd: dir,
      logPath,
    }).finally(() => {
      done = true;
    });
    await waitFor(() => readLog().includes("first"));
    expect(done).toBe(false);
    expect(readLog()).not.toContain("second");
    writeFileSync(join(dir, "go"), "");
    const result = await running;
    expect(result.exitCode).toBe(0);
    expect(readLog()).toBe("first\nsecond\n");
  });

  it("appends to an existing log rather than truncating it", async () => {
    await runProcess({ command: "echo one", env: {}, cwd: dir, logPath });
    await runProcess({ command: "echo two", env: {}, cwd: dir, logPath });
    expect(readLog()).toBe("one\ntwo\n");
  });

  it("caps the log at logMaxBytes: the head as it came, a note when output passes the cap, what was dropped, then the tail", async () => {
    const output = Array.from({ length: 3000 }, (_, i) => `line ${i}\n`).join("");
    const result = await runProcess({ command: "i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done", env: {}, cwd: dir, logPath, logMaxBytes: 4000 });
    expect(result.stdoutBytes).toBe(Buffer.byteLength(output));
    const log = readLog();
    const passed = "[orchestrator] output passed this log's cap of 4000 bytes: the first 2000 bytes are above; from here only the last 2000 bytes are kept, written below when the step ends\n";
    const dropped = `[orchestrator] ${Buffer.byteLength(output) - 4000} bytes of output dropped here (log cap 4000 bytes); the last 2000 bytes follow\n`;
    const at = log.indexOf(passed);
    expect(at).toBeGreaterThan(0);
    // The cap cut a line: the note starts on a line of its own.
    expect(log.slice(0, at)).toBe(output.slice(0, 2000) + "\n");
    expect(log.slice(at + passed.length)).toBe(dropped + output.slice(-2000));
    expect(existsSync(`${logPath}.tail`)).toBe(false);
  });

  it("leaves a log that fits its cap as the command printed it, and with logMaxBytes 0 keeps everything", async () => {
    const fits = await runProcess({ command: "seq 1 1000", env: {}, cwd: dir, logPath, logMaxBytes: 3893 });
    expect(fits.stdoutBytes).toBe(3893);
    expect(readLog()).toBe(Array.from({ length: 1000 }, (_, i) => `${i + 1}\n`).join(""));
    const all = join(dir, "all.log");
    await runProcess({ command: "seq 1 100000", env: {}, cwd: dir, logPath: all, logMaxBytes: 0 });
    expect(readFileSync(all, "utf8")).toBe(Array.from({ length: 100000 }, (_, i) => `${i + 1}\n`).join(""));
  });

  it("keeps memory flat and the tail bounded when a process prints 100 MB", async () => {
    const total = 100 * 1024 * 1024;
    const command = (bytes: number) => `head -c ${bytes} /dev/zero | tr '\\0' 'x'`;
    // Warm up first: the first large run grows the heap and allocator pools
    // once (~35 MB) whatever the output size; later runs stay flat.
    await runProcess({ command: command(20 * 1024 * 1024), env: {}, cwd: dir, logPath: join(dir, "warmup.log") });
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    try {
      const result = await runProcess({
        command: command(total),
        env: {},
        cwd: dir,
        logPath,
        tailBytes: 64 * 1024,
      });
      expect(result.exitCode).toBe(0);
      expect(result.stdoutBytes).toBe(total);
      expect(result.stdoutTail.length).toBe(64 * 1024);
      expect(statSync(logPath).size).toBe(total);
    } finally {
      clearInterval(sampler);
    }
    expect(peak - baseline).toBeLessThan(50 * 1024 * 1024);
  });

  it("on timeout kills the whole process group, grandchildren included", async () => {
    const result = await runProcess({
      command: "sleep 100 & echo $!; sleep 100",
      env: {},
      cwd: dir,
      logPath,
      // Long enough for the shell to have printed its background pid on a busy machine.
      timeoutMs: 2000,
      killGraceMs: 20_000,
    });
    const grandchild = pidFromLog();
    leftovers.push(result.pgid);
    expect(result.timedOut).toBe(true);
    expect(result.cancelled).toBe(false);
    expect(result.signal).toBe("SIGTERM");
    expect(result.exitCode).toBe(143);
    // SIGTERM ended it: the grace period before SIGKILL was not waited out.
    expect(result.durationMs).toBeGreaterThanOrEqual(2000);
    expect(result.durationMs).toBeLessThan(20_000);
    expect(isProcessAlive(grandchild)).toBe(false);
    expect(isProcessGroupAlive(result.pgid)).toBe(false);
    expect(readLog()).toContain("[orchestrator] timed out after 2000 ms");
  });

  it("stops a group that writes nothing for stallMs and reports it stalled, not timed out", async () => {
    const result = await runProcess({ command: "sleep 100 & echo $!; wait", env: {}, cwd: dir, logPath, stallMs: 1500, timeoutMs: 60_000, killGraceMs: 20_000 });
    const grandchild = pidFromLog();
    leftovers.push(result.pgid);
    expect(result).toMatchObject({ stalled: true, timedOut: false, cancelled: false, signal: "SIGTERM" });
    expect(result.durationMs).toBeGreaterThanOrEqual(1500);
    expect(isProcessAlive(grandchild)).toBe(false);
    expect(isProcessGroupAlive(result.pgid)).toBe(false);
    expect(readLog()).toMatch(/\[orchestrator\] stalled: no output for 1500 ms; stopping process group \d+/);
  });

  it("counts output on either stream as progress: a command that keeps writing to stderr is not stalled", async () => {
    const result = await runProcess({ command: "for i in 1 2 3 4 5 6; do echo e$i >&2; sleep 0.3; done", env: {}, cwd: dir, logPath, stallMs: 1200 });
    expect(result).toMatchObject({ exitCode: 0, stalled: false, timedOut: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(1200);
    expect(result.stderrTail).toContain("e6");
  });

  it("escalates to SIGKILL when the group ignores SIGTERM", async () => {
    const result = await runProcess({
      command: "trap '' TERM; sleep 100 & echo $!; wait",
      env: {},
      cwd: dir,
      logPath,
      // Long enough for the shell to have set its trap on a busy machine.
      timeoutMs: 2000,
      killGraceMs: 300,
    });
    const grandchild = pidFromLog();
    leftovers.push(result.pgid);
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe("SIGKILL");
    expect(isProcessAlive(grandchild)).toBe(false);
    expect(isProcessGroupAlive(result.pgid)).toBe(false);
    expect(readLog()).toContain("sent SIGKILL");
  });

  it("cancellation through an AbortSignal kills the group and reports cancelled", async () => {
    const controller = new AbortController();
    const running = runProcess({
      command: "sleep 100 & echo $!; sleep 100",
      env: {},
      cwd: dir,
      logPath,
      signal: controller.signal,
    });
    await waitFor(() => /^\d+$/m.test(readLog()));
    const grandchild = pidFromLog();
    controller.abort();
    const result = await running;
    leftovers.push(result.pgid);
    expect(result.cancelled).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(isProcessAlive(grandchild)).toBe(false);
    expect(isProcessGroupAlive(result.pgid)).toBe(false);
    expect(readLog()).toContain("[orchestrator] cancelled");
  });

  it("refuses to start when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      runProcess({ command: "echo hi", env: {}, cwd: dir, logPath, signal: controller.signal }),
    ).rejects.toMatchObject({ reason: "cancelled" });
    expect(readLog()).toBe("");
  });

  it("interrupting the Effect kills the process group before the interrupt completes", async () => {
    let started: ProcessStarted | undefined;
    const fiber = Effect.runFork(
      runProcessEffect({
        command: "sleep 100 & echo $!; sleep 100",
        env: {},
        cwd: dir,
        logPath,
        onStart: (s) => {
          started = s;
        },
      }),
    );
    await waitFor(() => started !== undefined && /^\d+$/m.test(readLog()));
    const grandchild = pidFromLog();
    leftovers.push(started!.pgid);
    await Effect.runPromise(Fiber.interrupt(fiber));
    expect(isProcessAlive(started!.pid)).toBe(false);
    expect(isProcessAlive(grandchild)).toBe(false);
    expect(isProcessGroupAlive(started!.pgid)).toBe(false);
    expect(readLog()).toContain("[orchestrator] run interrupted");
  });

  it("reports exit code 127 with a readable message for a missing binary", async () => {
    const result = await runProcess({
      command: "definitely-not-a-real-binary-xyz --help",
      env: {},
      cwd: dir,
      logPath,
    });
    expect(result.exitCode).toBe(127);
    const log = readLog();
    expect(log).toMatch(/definitely-not-a-real-binary-xyz: .*not found/);
    expect(log).toContain("[orchestrator] exit code 127: command not found");
  });

  it("delivers stdin and closes it; without stdin the command reads EOF at once", async () => {
    const withInput = await runProcess({
      command: "cat",
      env: {},
      cwd: dir,
      logPath,
      stdin: "hello\n'; rm -rf ~; '\n",
    });
    expect(withInput.stdoutTail).toBe("hello\n'; rm -rf ~; '\n");
    const withoutInput = await runProcess({ command: "cat; echo done", env: {}, cwd: dir, logPath, timeoutMs: 30_000 });
    expect(withoutInput.timedOut).toBe(false);
    expect(withoutInput.stdoutTail).toBe("done\n");
  });

  it("passes env on top of the controller's environment, or alone when inheritEnv is false", async () => {
    const merged = await runProcess({
      command: 'printf "%s|%s" "$STEP_VAR" "${PATH:+has-path}"',
      env: { STEP_VAR: "v 1" },
      cwd: dir,
      logPath,
    });
    expect(merged.stdoutTail).toBe("v 1|has-path");
    const isolated = await runProcess({
      command: 'printf "%s|%s" "$STEP_VAR" "${HOME:-no-home}"',
      env: { STEP_VAR: "v2" },
      cwd: dir,
      logPath,
      inheritEnv: false,
    });
    expect(isolated.stdoutTail).toBe("v2|no-home");
  });

  it("calls onStart with the pid and pgid while the process runs", async () => {
    let seen: { started: ProcessStarted; alive: boolean } | undefined;
    // The command runs until onStart has looked at it.
    const result = await runProcess({
      command: "while [ ! -f go ]; do sleep 0.02; done",
      env: {},
      cwd: dir,
      logPath,
      onStart: (started) => {
        seen = { started, alive: isProcessAlive(started.pid) };
        writeFileSync(join(dir, "go"), "");
      },
    });
    expect(seen?.alive).toBe(true);
    expect(seen?.started.pid).toBe(result.pid);
    expect(seen?.started.pgid).toBe(result.pid);
  });

  it("kills the process when onStart fails, and fails with the reason", async () => {
    let pgid = 0;
    await expect(
      runProcess({
        command: "sleep 100",
        env: {},
        cwd: dir,
        logPath,
        killGraceMs: 1000,
        onStart: async (started) => {
          pgid = started.pgid;
          throw new Error("store is read-only");
        },
      }),
    ).rejects.toMatchObject({ reason: "on-start", message: expect.stringContaining("store is read-only") });
    leftovers.push(pgid);
    expect(isProcessGroupAlive(pgid)).toBe(false);
  });

  it("stops a group whose background process keeps the output open after the command exits", async () => {
    const started = Date.now();
    const result = await runProcess({
      command: "sleep 100 & echo $!",
      env: {},
      cwd: dir,
      logPath,
      drainMs: 200,
    });
    leftovers.push(result.pgid);
    const background = pidFromLog();
    expect(result.exitCode).toBe(0);
    // Long before the background sleep's 100 s: it did not wait for it.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(isProcessAlive(background)).toBe(false);
    expect(readLog()).toContain("kept its output open");
  });

  it("leaves a background process alone when it redirected its output", async () => {
    const result = await runProcess({
      command: "sleep 30 >/dev/null 2>&1 & echo $!",
      env: {},
      cwd: dir,
      logPath,
      drainMs: 200,
    });
    leftovers.push(result.pgid);
    const background = pidFromLog();
    expect(result.exitCode).toBe(0);
    expect(isProcessAlive(background)).toBe(true);
  });

  it("reports a signal death as 128 + signal number", async () => {
    const result = await runProcess({ command: "kill -9 $$", env: {}, cwd: dir, logPath });
    expect(result.exitCode).toBe(137);
    expect(result.signal).toBe("SIGKILL");
    expect(result.timedOut).toBe(false);
  });

  it("fails with a clear error when the working directory does not exist", async () => {
    const missing = join(dir, "nope");
    const error = await runProcess({ command: "true", env: {}, cwd: missing, logPath }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessStartError);
    expect(error).toMatchObject({ reason: "cwd", message: expect.stringContaining(missing) });
  });

  it("explains a spawn refused for an oversized environment without echoing the command", async () => {
    const error = await runProcess({
      command: "echo do-not-echo-me",
      env: { ORCH_PROMPT: "x".repeat(200 * 1024) },
      cwd: dir,
      logPath,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "spawn", message: expect.stringContaining("promptDelivery: file") });
    expect((error as Error).message).not.toContain("do-not-echo-me");
  });
});
