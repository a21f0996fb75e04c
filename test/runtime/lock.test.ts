import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { acquireControllerLock, CONTROLLER_LOCK_FILE, readControllerLock } from "../../src/runtime/lock.js";
import { initializedProject } from "../support/cli.js";
import { bundleModule } from "./support/bundle-module.js";

let buildDir: string;
let holderScript: string;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), "orch-lock-build-"));
  await bundleModule("runtime/lock.ts", buildDir, "lock");
  holderScript = join(buildDir, "holder.mjs");
  // A real controller stand-in: takes the lock, says whether it got it, then idles.
  writeFileSync(
    holderScript,
    `import { acquireControllerLock } from "./lock.mjs";
const result = acquireControllerLock(process.argv[2]);
console.log(JSON.stringify({ acquired: result.acquired, heldBy: result.acquired ? undefined : result.heldBy }));
setInterval(() => {}, 1000);
`,
  );
});
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), "orch-lock-")), ".orchestrator");
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  }
  rmSync(join(dir, ".."), { recursive: true, force: true });
});

/** Starts a holder process and resolves with what it reported. */
async function startHolder(): Promise<{ child: ChildProcess; acquired: boolean }> {
  const child = spawn(process.execPath, [holderScript, dir], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, "line")) as [string];
  return { child, acquired: (JSON.parse(line) as { acquired: boolean }).acquired };
}

async function killHard(child: ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await once(child, "exit");
}

describe("controller lock", () => {
  it("is acquired when free, recorded with pid and start time, and released", () => {
    const result = acquireControllerLock(dir);
    expect(result.acquired).toBe(true);
    const state = readControllerLock(dir);
    expect(state).toMatchObject({ pid: process.pid, hostname: hostname(), alive: true });
    expect(Date.parse(state!.startedAt)).toBeGreaterThan(Date.now() - 5000);
    if (result.acquired) result.release();
    expect(readControllerLock(dir)).toBeUndefined();
    // No temp files left behind.
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses a second acquisition while a live process holds it", async () => {
    const holder = await startHolder();
    expect(holder.acquired).toBe(true);
    const result = acquireControllerLock(dir);
    expect(result).toMatchObject({ acquired: false, heldBy: holder.child.pid });
    expect(readControllerLock(dir)).toMatchObject({ pid: holder.child.pid, alive: true });
    // Our own second attempt is refused too: the lock is not reentrant.
    const ours = acquireControllerLock(dir);
    expect(ours.acquired).toBe(false);
  });

  it("takes over the lock of a holder killed with SIGKILL", async () => {
    const holder = await startHolder();
    const deadPid = holder.child.pid!;
    await killHard(holder.child);
    expect(readControllerLock(dir)).toMatchObject({ pid: deadPid, alive: false });
    const result = acquireControllerLock(dir);
    expect(result.acquired).toBe(true);
    expect(readControllerLock(dir)).toMatchObject({ pid: process.pid, alive: true });
    if (result.acquired) result.release();
  });

  it("lets exactly one of several racing processes take over a stale lock", async () => {
    const first = await startHolder();
    await killHard(first.child);
    const racers = await Promise.all([startHolder(), startHolder(), startHolder(), startHolder()]);
    expect(racers.filter((r) => r.acquired)).toHaveLength(1);
    const winner = racers.find((r) => r.acquired)!;
    expect(readControllerLock(dir)).toMatchObject({ pid: winner.child.pid, alive: true });
  });

  it("treats a lock whose pid now belongs to a different process as stale", async () => {
    const holder = await startHolder();
    const path = join(dir, CONTROLLER_LOCK_FILE);
    // Same live pid, but a start time that is not this process's: pid reuse.
    writeFileSync(
      path,
      JSON.stringify({ pid: holder.child.pid, hostname: hostname(), startedAt: "", processStart: "1", token: "old" }),
    );
    expect(readControllerLock(dir)?.alive).toBe(false);
    expect(acquireControllerLock(dir).acquired).toBe(true);
  });

  it("release does not remove a lock that another controller has taken since", () => {
    const result = acquireControllerLock(dir);
    if (!result.acquired) throw new Error("expected to acquire");
    const path = join(dir, CONTROLLER_LOCK_FILE);
    writeFileSync(path, JSON.stringify({ pid: 99999, hostname: "elsewhere", startedAt: "", token: "theirs" }));
    result.release();
    expect(existsSync(path)).toBe(true);
    expect(readControllerLock(dir)).toMatchObject({ token: "theirs", alive: true });
  });

  it("reads an empty or corrupt lock as no controller, and takes it over once it is not brand new", () => {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, CONTROLLER_LOCK_FILE);
    for (const text of ["", "{not json", JSON.stringify({ hostname: "h" })]) {
      writeFileSync(path, text);
      expect(readControllerLock(dir)).toBeUndefined();
    }
    // Old debris (a brand-new unreadable lock may be one being written).
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    const result = acquireControllerLock(dir);
    expect(result.acquired).toBe(true);
    expect(readControllerLock(dir)).toMatchObject({ pid: process.pid, alive: true });
    if (result.acquired) result.release();
  });

  it("controller status says no controller for an empty or corrupt lock, in text and JSON alike", () => {
    const p = initializedProject();
    try {
      for (const text of ["", "{not json"]) {
        writeFileSync(join(p.dir, ".orchestrator", CONTROLLER_LOCK_FILE), text);
        expect(p.run(["controller", "status"]).stdout).toMatch(/^no controller running\n/);
        expect(JSON.parse(p.run(["controller", "status", "-o", "json"]).stdout)).toMatchObject({ running: false, pid: null, since: null });
      }
    } finally {
      p.cleanup();
    }
  });
});
