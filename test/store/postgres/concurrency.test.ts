/**
 * Two writer processes on one PostgreSQL store, as the SQLite store's
 * concurrency test runs them on state.db: both racing to set up the home,
 * then committing, appending events and reading in a loop, one resource
 * bumped by both. Every commit lands, generation counts both writers' bumps.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initHome } from "../../../src/store/home.js";
import { openStore } from "../../../src/store/open.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../../support/postgres.js";
import { REPO, removeTempDirs, tempDir, write } from "../helpers.js";

const WRITER = join(REPO, "test/fixtures/store/writer.mjs");
/** The built store (the PostgreSQL store's worker thread runs from dist/). */
const BUILT = join(REPO, "dist");
const ITERATIONS = 100;

describe.skipIf(postgresUnavailable !== undefined)("two writer processes on one PostgreSQL store", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => {
    server?.stop();
    removeTempDirs();
  });

  const runWriter = (root: string, id: string, startAt: number, url: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [WRITER, BUILT, root, id, String(ITERATIONS), String(startAt), "shared"], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ORCHESTRATOR_STORE_URL: url } });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stderr }));
    });

  it("updating the same resource in a loop, every commit lands: generation counts both writers' bumps", async () => {
    const url = server.createDatabase();
    const root = tempDir();
    const env = { ORCHESTRATOR_STORE_URL: url };
    const { home } = initHome(root, env);
    const setup = openStore(home, {}, url);
    setup.commit([{ op: "create", resource: write("Agent", "shared", {}) }], "test");
    setup.close();

    // Both start at the same instant, after node and the store have loaded.
    const startAt = Date.now() + 1500;
    const exits = await Promise.all([runWriter(root, "a", startAt, url), runWriter(root, "b", startAt, url)]);
    for (const e of exits) expect({ code: e.code, stderr: e.stderr }).toEqual({ code: 0, stderr: "" });

    const store = openStore(home, {}, url);
    try {
      expect(store.getResource({ project: "default", kind: "Agent", name: "shared" })?.generation).toBe(1 + 2 * ITERATIONS);
      expect(store.listResources({ kind: "Agent" })).toHaveLength(1 + 2 * ITERATIONS);
      expect(store.listEvents({ type: "resource_updated" })).toHaveLength(2 * ITERATIONS);
      expect(store.listEvents({ type: "tick" })).toHaveLength(2 * ITERATIONS);
    } finally {
      store.close();
    }
  }, 180_000);
});
