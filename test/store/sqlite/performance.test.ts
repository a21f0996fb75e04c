import { execFileSync } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initHome } from "../../../src/store/home.js";
import { MIGRATIONS } from "../../../src/store/sqlite/migrations.js";
import { openStore } from "../../../src/store/sqlite/open.js";
import type { ResourceChange } from "../../../src/store/store.js";
import { compiledStore, removeTempDirs, tempDir, write } from "../helpers.js";

const COUNT = 10_000;

afterAll(removeTempDirs);

function spec(i: number) {
  return { command: `echo ${i}`, capabilities: ["qa", "fix"], env: { N: String(i) }, nested: { a: { b: [i, i + 1] } } };
}

/** Best of a few runs, so a noisy neighbour does not decide the ratio. */
function best(runs: number, fn: () => number): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, fn());
  return min;
}

function timeStoreCommit(): number {
  const { home } = initHome(tempDir(), {});
  const store = openStore(home);
  const changes: ResourceChange[] = [];
  for (let i = 0; i < COUNT; i++) changes.push({ op: "create", resource: write("Agent", `agent-${i}`, spec(i)) });
  const t0 = performance.now();
  store.commit(changes, "bench");
  const ms = performance.now() - t0;
  expect(store.status().resources).toBe(COUNT);
  store.close();
  return ms;
}

/**
 * The baseline: the same schema, the same rows (resource + event), inserted
 * with raw better-sqlite3 prepared statements in one transaction.
 */
function timeRawInsert(): number {
  const db = new Database(join(tempDir(), "raw.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  for (const m of MIGRATIONS) if (typeof m.up === "string") db.exec(m.up);
  const insR = db.prepare(
    `INSERT INTO resources (project, kind, name, api_version, spec, labels, annotations, description, generation, hash,
       applied_by, origin_file, origin_line, origin_commit, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, 1, ?, ?, NULL, NULL, NULL, ?, ?)`,
  );
  const insE = db.prepare("INSERT INTO events (ts, type, project, kind, name, message, actor, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  const rows = Array.from({ length: COUNT }, (_, i) => ({ name: `agent-${i}`, spec: spec(i) }));
  const t0 = performance.now();
  const now = new Date().toISOString();
  db.transaction(() => {
    for (const r of rows) {
      insR.run("default", "Agent", r.name, "orchestrator.dev/v2", JSON.stringify(r.spec), "h", "cli", now, now);
      insE.run(now, "resource_created", "default", "Agent", r.name, `agent/${r.name} created`, "bench", '{"generation":1}');
    }
  }).immediate();
  const ms = performance.now() - t0;
  db.close();
  return ms;
}

describe("performance", () => {
  it(`commits ${COUNT} resources in one transaction close to raw better-sqlite3 insert speed`, () => {
    const raw = best(3, timeRawInsert);
    const store = best(3, timeStoreCommit);
    console.log(`commit ${COUNT}: store ${store.toFixed(0)} ms, raw ${raw.toFixed(0)} ms, ratio ${(store / raw).toFixed(2)}`);
    expect(store / raw).toBeLessThan(2);
  }, 60_000);

  it(`lists one kind out of ${COUNT} resources in one indexed query`, () => {
    const { home } = initHome(tempDir(), {});
    const store = openStore(home);
    const changes: ResourceChange[] = [];
    for (let i = 0; i < COUNT; i++) changes.push({ op: "create", resource: write(i % 10 ? "Workflow" : "Agent", `r-${i}`, spec(i)) });
    store.commit(changes, "bench");
    const t0 = performance.now();
    expect(store.listResources({ kind: "Agent" })).toHaveLength(COUNT / 10);
    const ms = performance.now() - t0;
    console.log(`list ${COUNT / 10} of ${COUNT}: ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(200);
    store.close();
  }, 60_000);
});

describe("start-up", () => {
  let dir: string;
  let root: string;
  beforeAll(() => {
    dir = compiledStore();
    root = tempDir();
    const { home } = initHome(root, {});
    const store = openStore(home);
    store.commit([{ op: "create", resource: write("Agent", "a", spec(1)) }], "t");
    store.close();
  });

  function timeNode(args: string[]): number {
    const t0 = performance.now();
    execFileSync(process.execPath, args, { stdio: "ignore" });
    return performance.now() - t0;
  }

  it("finding, opening read-only and listing a kind costs well under 3x `node -e 0`", () => {
    const script = `
      const { findHome } = await import(${JSON.stringify(join(dir, "src/store/home.js"))});
      const { openStore } = await import(${JSON.stringify(join(dir, "src/store/sqlite/open.js"))});
      const s = openStore(findHome(${JSON.stringify(root)}, {}), { readonly: true });
      if (s.listResources({ kind: "Agent" }).length !== 1) process.exit(3);
      s.close();`;
    const bare = best(5, () => timeNode(["-e", "0"]));
    const withStore = best(5, () => timeNode(["--input-type=module", "-e", script]));
    console.log(`start-up: node -e 0 ${bare.toFixed(0)} ms, with store ${withStore.toFixed(0)} ms`);
    // The CLI adds commander and its own modules on top; the store must leave room for them.
    expect(withStore / bare).toBeLessThan(2.5);
  }, 60_000);
});
