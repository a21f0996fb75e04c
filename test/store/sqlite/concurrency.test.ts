import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initHome } from "../../../src/store/home.js";
import { openStore } from "../../../src/store/sqlite/open.js";
import { MIGRATIONS } from "../../../src/store/sqlite/migrations.js";
import { compiledStore, REPO, removeTempDirs, tempDir, write } from "../helpers.js";

const WRITER = join(REPO, "test/fixtures/store/writer.mjs");
const ITERATIONS = 150;

let storeJs: string;
beforeAll(() => {
  storeJs = compiledStore();
});
afterAll(removeTempDirs);

interface Exit {
  code: number | null;
  stderr: string;
}

function runWriter(root: string, id: string, startAt: number, mode: "own" | "shared"): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, storeJs, root, id, String(ITERATIONS), String(startAt), mode], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

async function runPair(root: string, mode: "own" | "shared"): Promise<Exit[]> {
  // Both start at the same instant, after node and the store have loaded.
  const startAt = Date.now() + 700;
  return Promise.all([runWriter(root, "a", startAt, mode), runWriter(root, "b", startAt, mode)]);
}

describe("two writer processes", () => {
  it("racing to init a fresh root and then writing, neither sees SQLITE_BUSY and each migration applies once", async () => {
    const root = tempDir();
    const exits = await runPair(root, "own");
    for (const e of exits) {
      expect(e.stderr).toBe("");
      expect(e.code).toBe(0);
    }
    const { home } = initHome(root, {});
    expect(readFileSync(home.keyPath)).toHaveLength(32);
    const store = openStore(home);
    expect(store.migrations().map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(store.listResources({ kind: "Agent" })).toHaveLength(2 * ITERATIONS);
    expect(store.listEvents({ type: "tick" })).toHaveLength(2 * ITERATIONS);
    store.close();
  }, 120_000);

  it("updating the same resource in a loop, every commit lands: generation counts both writers' bumps", async () => {
    const root = tempDir();
    const { home } = initHome(root, {});
    const setup = openStore(home);
    setup.commit([{ op: "create", resource: write("Agent", "shared", {}) }], "test");
    setup.close();

    const exits = await runPair(root, "shared");
    for (const e of exits) {
      expect(e.stderr).not.toMatch(/SQLITE_BUSY|database is locked/);
      expect(e.stderr).toBe("");
      expect(e.code).toBe(0);
    }
    const store = openStore(home);
    expect(store.getResource({ project: "default", kind: "Agent", name: "shared" })?.generation).toBe(1 + 2 * ITERATIONS);
    expect(store.listResources({ kind: "Agent" })).toHaveLength(1 + 2 * ITERATIONS);
    expect(store.listEvents({ type: "resource_updated" })).toHaveLength(2 * ITERATIONS);
    store.close();
  }, 120_000);
});
