import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { installShutdownSignals } from "../../src/runtime/signals.js";
import { bundleModule } from "./support/bundle-module.js";

let buildDir: string;
let controllerScript: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), "orch-signals-"));
  await bundleModule("runtime/signals.ts", buildDir, "signals");
  controllerScript = join(buildDir, "controller.mjs");
  // A controller stand-in whose graceful stop takes argv[2] ms.
  writeFileSync(
    controllerScript,
    `import { installShutdownSignals } from "./signals.mjs";
let calls = 0;
installShutdownSignals({
  onShutdown: async (signal) => {
    calls++;
    console.log("stopping " + signal + " call " + calls);
    await new Promise((r) => setTimeout(r, Number(process.argv[2])));
    console.log("stopped");
    process.exit(0);
  },
});
console.log("ready");
setInterval(() => {}, 1000);
`,
  );
});
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Starts the stand-in and returns it with a function that waits for a given stdout line. */
async function startController(stopMs: number) {
  const child = spawn(process.execPath, [controllerScript, String(stopMs)], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const lines: string[] = [];
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const waiters: { match: string; resolve: () => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const w of waiters) if (line.startsWith(w.match)) w.resolve();
  });
  const waitLine = (match: string) =>
    lines.some((l) => l.startsWith(match))
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.push({ match, resolve }));
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  await waitLine("ready");
  return { child, lines, waitLine, exited, stderr: () => stderr };
}

describe("installShutdownSignals", () => {
  it("the first SIGTERM runs the graceful stop to completion", async () => {
    const c = await startController(100);
    c.child.kill("SIGTERM");
    const [code] = await c.exited;
    expect(code).toBe(0);
    expect(c.lines).toEqual(["ready", "stopping SIGTERM call 1", "stopped"]);
    expect(c.stderr()).toContain("received SIGTERM; stopping gracefully");
  });

  it("a second signal forces exit at once, and the stop ran only once", async () => {
    const c = await startController(60_000);
    c.child.kill("SIGTERM");
    await c.waitLine("stopping");
    const sentAt = Date.now();
    c.child.kill("SIGINT");
    const [code] = await c.exited;
    // Long before the graceful stop's 60 s, however busy the machine: it did not wait for it.
    expect(Date.now() - sentAt).toBeLessThan(30_000);
    expect(code).toBe(130);
    expect(c.lines).toEqual(["ready", "stopping SIGTERM call 1"]);
    expect(c.stderr()).toContain("received SIGINT again; exiting now");
  });

  it("reports a failed graceful stop through done, and uninstall removes the handlers", async () => {
    const before = process.listenerCount("SIGUSR2");
    const messages: string[] = [];
    const handle = installShutdownSignals({
      signals: ["SIGUSR2"],
      log: (m) => messages.push(m),
      exit: () => {
        throw new Error("must not force-exit");
      },
      onShutdown: async () => {
        throw new Error("lock release failed");
      },
    });
    expect(process.listenerCount("SIGUSR2")).toBe(before + 1);
    process.kill(process.pid, "SIGUSR2");
    await expect(handle.done).rejects.toThrow("lock release failed");
    expect(handle.received).toBe("SIGUSR2");
    expect(messages.at(-1)).toContain("graceful stop failed: lock release failed");
    handle.uninstall();
    expect(process.listenerCount("SIGUSR2")).toBe(before);
  });
});
