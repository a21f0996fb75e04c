// Workflow stores and spawned tasks: 1,000 `store put` + `store get` through
// the library layer the CLI and the engine use (schema check, retention,
// backend dispatch) against the same rows written and read straight with
// better-sqlite3; and a fan-out of 100 spawned child tasks run by a
// controller with 4 workers against 100 raw spawns at concurrency 4.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { CLI, cli, report, reportAim, ROOT, tempDir } from "./lib.mjs";

const N = 1000;
const CHILDREN = 100;

async function storeLayer() {
  const dir = tempDir();
  try {
    cli(["init"], dir);
    cli(["apply", "-f", "-"], dir, "apiVersion: orchestrator.dev/v2\nkind: WorkflowStore\nmetadata:\n  name: bench\nspec:\n  schema:\n    type: object\n    required: [n]\n  retention:\n    max_entries: 5000\n");
    const { homeAt } = await import(join(ROOT, "dist/src/store/home-location.js"));
    const { openStore } = await import(join(ROOT, "dist/src/store/sqlite/open.js"));
    const { WorkflowStores } = await import(join(ROOT, "dist/src/engine/stores/workflow-stores.js"));
    const store = openStore(homeAt(join(dir, ".orchestrator")));
    const stores = new WorkflowStores(store, homeAt(join(dir, ".orchestrator")));

    // Baseline: the same rows and statements on a database opened the same way, in a bare table (its key index only).
    const { default: Database } = await import("better-sqlite3");
    const raw = new Database(join(dir, "raw.db"));
    raw.pragma("journal_mode = WAL");
    raw.pragma("synchronous = NORMAL");
    raw.exec("CREATE TABLE e (project TEXT NOT NULL, store TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, task_id TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL); CREATE UNIQUE INDEX e_key ON e (project, store, key);");
    const put = raw.prepare("INSERT INTO e VALUES (?, ?, ?, ?, NULL, ?, ?) ON CONFLICT (project, store, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
    const get = raw.prepare("SELECT value FROM e WHERE project = ? AND store = ? AND key = ?");

    put.run("default", "bench", "warm", "{}", "", "");
    get.get("default", "bench", "warm");
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const now = new Date().toISOString();
      put.run("default", "bench", `k${i}`, JSON.stringify({ n: i }), now, now);
      JSON.parse(get.get("default", "bench", `k${i}`).value);
    }
    const base = performance.now() - t0;

    // Steady state: the first write compiles the store's schema (once per process), the first read prepares.
    await stores.put("default", "bench", "warm", { n: -1 });
    await stores.get("default", "bench", "warm");
    const t1 = performance.now();
    for (let i = 0; i < N; i++) {
      await stores.put("default", "bench", `k${i}`, { n: i });
      await stores.get("default", "bench", `k${i}`);
    }
    const ms = performance.now() - t1;

    // The same statements straight on the store's own table, whose recency index (listing, TTL) and
    // trigger-kept count (max_entries) every write also updates: what the table costs, apart from the layer.
    const own = new Database(join(dir, ".orchestrator/state.db"));
    own.pragma("synchronous = NORMAL");
    const ownPut = own.prepare("INSERT INTO workflow_store_entries VALUES (?, ?, ?, ?, NULL, ?, ?) ON CONFLICT (project, store, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
    const ownGet = own.prepare("SELECT value FROM workflow_store_entries WHERE project = ? AND store = ? AND key = ?");
    ownPut.run("default", "bench-straight", "warm", "{}", "", "");
    ownGet.get("default", "bench-straight", "warm");
    const t2 = performance.now();
    for (let i = 0; i < N; i++) {
      const now = new Date().toISOString();
      ownPut.run("default", "bench-straight", `k${i}`, JSON.stringify({ n: i }), now, now);
      JSON.parse(ownGet.get("default", "bench-straight", `k${i}`).value);
    }
    const ownMs = performance.now() - t2;
    own.close();
    store.close();
    raw.close();
    reportAim(`${N} store put + get through the library layer (schema, retention)`, ms, base, 1.5);
    // Where that goes, for reading the figure above (no aim of their own).
    report(`  of which: the same statements on the store's own table (recency index, count trigger) vs the bare table`, ownMs, base);
    report(`  of which: the library layer vs the same statements on the store's own table`, ms, ownMs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitFor(cond, ms = 300_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function concurrentSpawns(n, c) {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) {
        next++;
        await execa("true");
      }
    }),
  );
  return performance.now() - t0;
}

async function fanOut() {
  const dir = tempDir();
  const env = { ...process.env, ORCHESTRATOR_NO_DAEMON: "1" };
  try {
    cli(["init"], dir);
    writeFileSync(join(dir, "goals.json"), JSON.stringify(Array.from({ length: CHILDREN }, (_, i) => `child ${i}`)));
    cli(
      ["apply", "-f", "-"],
      dir,
      `apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: w\nspec:\n  root_path: "."\n---\napiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: child\nspec:\n  steps:\n    - id: s\n      command: "true"\n---\napiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: parent\nspec:\n  steps:\n    - id: plan\n      command: "cat goals.json"\n      behavior:\n        post_actions:\n          - type: spawn_tasks\n            from_var: plan_output\n            json_path: "$"\n            mapping:\n              goal: "$"\n            workflow: child\n            max_tasks: ${CHILDREN}\n  safety:\n    max_spawned_tasks: ${CHILDREN}\n`,
    );
    spawnSync(process.execPath, [CLI, "task", "create", "--no-start", "--workflow", "parent"], { cwd: dir, env });
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(join(dir, ".orchestrator/state.db"));
    const base = await concurrentSpawns(CHILDREN, 4);
    const controller = spawn(process.execPath, [CLI, "controller", "--foreground", "--workers", "4"], { cwd: dir, stdio: "ignore", env });
    await waitFor(() => existsSync(join(dir, ".orchestrator/controller.lock")));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    db.prepare("UPDATE tasks SET queued = 1").run();
    await waitFor(() => db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE parent_task_id IS NOT NULL AND phase = 'Completed'").get().n === CHILDREN);
    const ms = performance.now() - t0;
    controller.kill("SIGTERM");
    db.close();
    reportAim(`a fan-out of ${CHILDREN} spawned tasks through a controller with 4 workers`, ms, base, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run() {
  await storeLayer();
  await fanOut();
}
