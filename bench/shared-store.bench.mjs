// Several controllers on one PostgreSQL store: 500 one-step tasks drained by
// 1, 2 and 4 controllers of 2 workers each (separate processes and homes),
// against the same work on the SQLite store with one controller of 2
// workers; tasks per second and the ratios (aim: 2 controllers at least 1.6x
// one). And the claim latency on PostgreSQL: a task created to its step
// started, with a controller idle and waiting. Skipped, saying so, when no
// PostgreSQL server binaries are installed.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { CLI, cli, median, reportAim, reportValue, report, ROOT, tempDir } from "./lib.mjs";

const TASKS = 500;

function binDir() {
  try {
    const d = execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (existsSync(join(d, "initdb"))) return d;
  } catch {}
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  for (const v of readdirSync(root).sort((a, b) => Number(b) - Number(a))) if (existsSync(join(root, v, "bin", "initdb"))) return join(root, v, "bin");
  return undefined;
}

const freePort = () => new Promise((res) => { const s = createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => res(p)); }); });

async function startPostgres(bin) {
  const asRoot = process.getuid() === 0;
  const dir = tempDir("orch-bench-pg-");
  chmodSync(dir, 0o755);
  if (asRoot) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString()), Number(execFileSync("id", ["-g", "postgres"]).toString()));
  const run = (cmd, args) => {
    const r = asRoot ? spawnSync("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args], { encoding: "utf8" }) : spawnSync(join(bin, cmd), args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  };
  const port = await freePort();
  run("initdb", ["-D", join(dir, "data"), "-U", "orchestrator", "--auth=trust", "-N"]);
  run("pg_ctl", ["-D", join(dir, "data"), "-l", join(dir, "log"), "-w", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`, "start"]);
  let n = 0;
  return {
    createDatabase() {
      const name = `b${++n}`;
      run("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "orchestrator", "-d", "postgres", "-qc", `CREATE DATABASE ${name}`]);
      return `postgres://orchestrator@127.0.0.1:${port}/${name}`;
    },
    stop() {
      run("pg_ctl", ["-D", join(dir, "data"), "-m", "immediate", "-w", "stop"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const MANIFEST = `apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: w\nspec:\n  root_path: "."\n---\napiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: one\nspec:\n  steps:\n    - id: s\n      command: "true"\n`;

/** `n` homes on one store (a PostgreSQL URL, or undefined for one SQLite home). */
function homes(n, url) {
  const dirs = [];
  for (let i = 0; i < n; i++) {
    const dir = tempDir();
    if (i > 0) {
      mkdirSync(join(dir, ".orchestrator"));
      copyFileSync(join(dirs[0], ".orchestrator", "secret.key"), join(dir, ".orchestrator", "secret.key"));
    }
    cli(url ? ["init", "--store", url] : ["init"], dir);
    dirs.push(dir);
  }
  cli(["apply", "-f", "-", "--no-daemon"], dirs[0], MANIFEST);
  return dirs;
}

function startController(dir, env = {}) {
  const child = spawn(process.execPath, [CLI, "controller", "--foreground", "--workers", "2"], { cwd: dir, env: { ...process.env, ORCHESTRATOR_NO_DAEMON: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const started = new Promise((res, rej) => {
    const t = setInterval(() => {
      if (log.includes("controller started")) { clearInterval(t); res(); }
      if (child.exitCode !== null) { clearInterval(t); rej(new Error(`controller exited: ${log}`)); }
    }, 20);
  });
  return { child, started, stop: () => new Promise((res) => { if (child.exitCode !== null) return res(); child.once("exit", res); child.kill("SIGTERM"); }) };
}

async function openStoreOf(dir) {
  const { openStore } = await import(join(ROOT, "dist/src/store/open.js"));
  const { homeAt } = await import(join(ROOT, "dist/src/store/home-location.js"));
  const { openTaskStore } = await import(join(ROOT, "dist/src/store/task-store.js"));
  const store = openStore(homeAt(join(dir, ".orchestrator")));
  return { store, tasks: openTaskStore(store) };
}

const newTask = (i, queued) => ({ name: `job-${i}`, project: "default", origin: "cli", workflow: "one", workspace: "w", goal: "", spec: { steps: [], vars: {}, targetFiles: [] }, queued });

/** Time for `controllers` controllers to drain TASKS tasks queued at once. */
async function drain(url, controllers) {
  const dirs = homes(controllers, url);
  const { store, tasks } = await openStoreOf(dirs[0]);
  const running = dirs.map((d) => startController(d));
  try {
    await Promise.all(running.map((c) => c.started));
    const created = [];
    for (let i = 0; i < TASKS; i++) created.push(tasks.createTask(newTask(i, false)).id);
    // Queue them all in one transaction, then time the controllers draining the queue.
    const t0 = performance.now();
    store.writeTransaction(() => { for (const id of created) tasks.updateTask(id, { queued: true }); });
    for (;;) {
      const done = tasks.listTasks({ phase: "Completed" }).length;
      if (done === TASKS) break;
      if (tasks.listTasks({ phase: "Failed" }).length > 0) throw new Error("a task failed");
      await new Promise((r) => setTimeout(r, 50));
    }
    return performance.now() - t0;
  } finally {
    await Promise.all(running.map((c) => c.stop()));
    store.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** Median time from a task's creation to its step starting, one controller idle and waiting. */
async function claimLatency(url) {
  const [dir] = homes(1, url);
  const { store, tasks } = await openStoreOf(dir);
  const c = startController(dir);
  try {
    await c.started;
    const samples = [];
    for (let i = 0; i < 20; i++) {
      const t = tasks.createTask(newTask(i, true));
      let run;
      while (!(run = tasks.listRuns(t.id)[0])) await new Promise((r) => setTimeout(r, 5));
      samples.push(Date.parse(run.startedAt) - Date.parse(t.createdAt));
      while (tasks.getTask(t.id).phase !== "Completed") await new Promise((r) => setTimeout(r, 10));
    }
    return median(samples);
  } finally {
    await c.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run() {
  const bin = binDir();
  if (!bin) {
    console.log("shared store: skipped: no PostgreSQL server binaries (install Debian's postgresql)");
    return;
  }
  const pg = await startPostgres(bin);
  try {
    const sqliteMs = await drain(undefined, 1);
    const perSecond = (ms) => `${(TASKS / (ms / 1000)).toFixed(1)} tasks/s`;
    console.log(`${TASKS} one-step tasks, SQLite, 1 controller x 2 workers: ${sqliteMs.toFixed(0)} ms (${perSecond(sqliteMs)})`);
    const byCount = {};
    for (const n of [1, 2, 4]) {
      byCount[n] = await drain(pg.createDatabase(), n);
      console.log(`${TASKS} one-step tasks, PostgreSQL, ${n} controller(s) x 2 workers: ${byCount[n].toFixed(0)} ms (${perSecond(byCount[n])})`);
      report(`${TASKS} tasks on PostgreSQL with ${n} controller(s), against SQLite with 1`, byCount[n], sqliteMs);
    }
    // 1.6x the throughput is 1/1.6 = 0.625 of the time.
    reportAim(`${TASKS} tasks on PostgreSQL: 2 controllers against 1 (time)`, byCount[2], byCount[1], 0.625);
    report(`${TASKS} tasks on PostgreSQL: 4 controllers against 1 (time)`, byCount[4], byCount[1]);
    reportValue("claim latency on PostgreSQL (task created to step started, median of 20)", await claimLatency(pg.createDatabase()));
  } finally {
    pg.stop();
  }
}
