import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, initializedProject } from "../support/cli.js";

const FILES = 10;
const PER_FILE = 200;

/** The whole manifests/ set, every agent named with `prefix`. */
function writeSet(p: ReturnType<typeof initializedProject>, prefix: string): void {
  for (let f = 0; f < FILES; f++) {
    const docs = Array.from({ length: PER_FILE }, (_, i) => `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${prefix}-${f}-${i}\nspec:\n  capabilities: [x]\n  command: echo ${prefix}\n`);
    p.write(`manifests/f${f}.yaml`, docs.join("---\n"));
  }
}

/** Starts `orchestrator sync` and kills it with SIGKILL after `ms`. */
function syncKilledAfter(cwd: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "sync"], { cwd, stdio: "ignore", env: { ...process.env, ORCHESTRATOR_NO_DAEMON: "1" } });
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe("kill -9 during a sync pass", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("leaves the store as before or after the pass, never between; the next pass repairs the status files", async () => {
    p = initializedProject();
    writeSet(p, "a");
    expect(p.run(["sync"]).code).toBe(0);
    const agents = (): string[] => p.run(["get", "agents", "-o", "name"]).stdout.split("\n").filter(Boolean);
    const total = FILES * PER_FILE;

    const delays = [150, 400, 700, 1000, 1300, 1700];
    let prefix = "a";
    for (const [i, ms] of delays.entries()) {
      const next = i % 2 === 0 ? "b" : "a";
      writeSet(p, next);
      await syncKilledAfter(p.dir, ms);
      const names = agents();
      const old = names.filter((n) => n.startsWith(`agent/${prefix}-`)).length;
      const fresh = names.filter((n) => n.startsWith(`agent/${next}-`)).length;
      // Whole before or whole after.
      expect(names).toHaveLength(total);
      expect(old === total || fresh === total).toBe(true);
      if (fresh === total) prefix = next;
    }

    // One pass that is left to finish: the store is the last written set, and every
    // resource has exactly one status file, stale ones gone.
    expect(p.run(["sync"]).code).toBe(0);
    const final = agents().map((n) => n.slice("agent/".length)).sort();
    expect(final).toHaveLength(total);
    const files = readdirSync(join(p.dir, ".orchestrator/status/default/agent")).map((f) => f.replace(/\.yaml$/, "")).sort();
    expect(files).toEqual(final);
  }, 120_000);
});
