// Engine overheads: a Run of 200 command steps against 200 sequential execa
// spawns; 200 one-step tasks through a controller with 4 workers against 200
// raw spawns at concurrency 4; `task logs --tail 1` on an 80,000-line log
// against `orchestrator version`; pick-up latency with a controller
// already running; and how long a step outlives a controller killed with
// SIGKILL (it must end within 2 s).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { CLI, cli, median, report, reportValue, tempDir, timeSync } from "./lib.mjs";

const STEPS = 200;

function project() {
  const dir = tempDir();
  cli(["init"], dir);
  return dir;
}

async function sequentialSpawns(n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await execa("true");
  return performance.now() - t0;
}

async function concurrentSpawns(n, c) {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: c }, async () => {
    while (next < n) {
      next++;
      await execa("true");
    }
  }));
  return performance.now() - t0;
}

function stepsWorkflow() {
  const steps = Array.from({ length: STEPS }, (_, i) => `    - id: s${i}\n      command: "true"\n`).join("");
  return `apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: w\nspec:\n  root_path: "."\n---\napiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: many\nspec:\n  steps:\n${steps}`;
}

async function perStepOverhead() {
  const dir = project();
  try {
    cli(["apply", "-f", "-"], dir, stepsWorkflow());
    const base = await sequentialSpawns(STEPS);
    const runMs = timeSync(() => cli(["run", "--workflow", "many"], dir));
    // The Run itself, as it records it: from the task starting to its last step finishing.
    const run = JSON.parse(cli(["get", "runs", "-o", "json"], dir).stdout).items[0];
    const own = Date.parse(run.status.finishedAt) - Date.parse(run.status.startedAt);
    report(`a Run of ${STEPS} command steps, start to finish`, own, base, 1.3);
    // For information: the whole command, with its start-up (loading the engine) and log streaming.
    report(`\`orchestrator run\` of ${STEPS} command steps, whole process`, runMs, base);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitFor(cond, ms = 120_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function oneStep() {
  return `apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: w\nspec:\n  root_path: "."\n---\napiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: one\nspec:\n  steps:\n    - id: s\n      command: "true"\n`;
}

async function throughput() {
  const dir = project();
  const env = { ...process.env, ORCHESTRATOR_NO_DAEMON: "1" };
  try {
    cli(["apply", "-f", "-"], dir, oneStep());
    for (let i = 0; i < 200; i++) spawnSync(process.execPath, [CLI, "task", "create", "--no-start"], { cwd: dir, env });
    // Queue them all at once through the store, then time the controller draining the queue.
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(join(dir, ".orchestrator/state.db"));
    const base = await concurrentSpawns(200, 4);
    const controller = spawn(process.execPath, [CLI, "controller", "--foreground", "--workers", "4"], { cwd: dir, stdio: "ignore", env });
    await waitFor(() => existsSync(join(dir, ".orchestrator/controller.lock")));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    db.prepare("UPDATE tasks SET queued = 1").run();
    await waitFor(() => db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE phase = 'Completed'").get().n === 200);
    const ms = performance.now() - t0;
    controller.kill("SIGTERM");
    db.close();
    report("200 one-step tasks through a controller with 4 workers", ms, base, 1.5);

    // Pick-up: task create returning until the step's process starts.
    const marker = join(dir, "started");
    cli(["apply", "-f", "-"], dir, oneStep().replace('command: "true"', `command: "date +%s%N > ${marker}"`));
    const c2 = spawn(process.execPath, [CLI, "controller", "--foreground", "--workers", "1"], { cwd: dir, stdio: "ignore", env });
    await new Promise((r) => setTimeout(r, 500));
    const lat = [];
    for (let i = 0; i < 10; i++) {
      rmSync(marker, { force: true });
      spawnSync(process.execPath, [CLI, "task", "create"], { cwd: dir, env });
      const returnedMs = Date.now();
      await waitFor(() => existsSync(marker) && readFileSync(marker, "utf8").trim() !== "", 10_000);
      const startedMs = Number(BigInt(readFileSync(marker, "utf8").trim()) / 1_000_000n);
      lat.push(startedMs - returnedMs);
    }
    c2.kill("SIGTERM");
    reportValue("pick-up latency (task create returned -> step started), median", median(lat), 100);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function tailLogs() {
  const dir = project();
  try {
    cli(["apply", "-f", "-"], dir, oneStep().replace('command: "true"', 'command: "seq 1 80000"'));
    cli(["run", "--workflow", "one"], dir);
    const id = JSON.parse(cli(["get", "runs", "-o", "json"], dir).stdout).items[0].status.taskId;
    const version = [];
    const tail = [];
    for (let i = 0; i < 10; i++) {
      version.push(timeSync(() => spawnSync(process.execPath, [CLI, "version"], { cwd: dir })));
      tail.push(timeSync(() => spawnSync(process.execPath, [CLI, "task", "logs", id, "--tail", "1"], { cwd: dir })));
    }
    report("task logs --tail 1 on an 80,000-line log", median(tail), median(version), 1.3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** kill -9 of the controller while a step runs: time until the step's process group is gone. */
async function stepsEndWithController() {
  const dir = project();
  const env = { ...process.env, ORCHESTRATOR_NO_DAEMON: "1" };
  const pidFile = join(dir, "step.pid");
  try {
    // A function, not a string: in a replacement string `$$` means `$`.
    cli(["apply", "-f", "-"], dir, oneStep().replace('command: "true"', () => `command: "echo $$ > ${pidFile}; sleep 60"`));
    const ends = [];
    for (let i = 0; i < 5; i++) {
      rmSync(pidFile, { force: true });
      spawnSync(process.execPath, [CLI, "task", "create"], { cwd: dir, env });
      const c = spawn(process.execPath, [CLI, "controller", "--foreground"], { cwd: dir, stdio: "ignore", env });
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", 30_000);
      const pgid = Number(readFileSync(pidFile, "utf8").trim());
      const exited = new Promise((r) => c.once("exit", r));
      const t0 = performance.now();
      c.kill("SIGKILL");
      await waitFor(() => !groupAlive(pgid), 30_000);
      ends.push(performance.now() - t0);
      await exited;
      // The next controller recovers the task; the one after it starts a fresh one.
      spawnSync(process.execPath, [CLI, "task", "delete", "--all", "--force"], { cwd: dir, env });
    }
    reportValue("a step's process group ended after kill -9 of its controller, worst of 5", Math.max(...ends), 2000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // Zombies (killed, not yet reaped by init) count as gone.
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(rest[2]) === pgid && rest[0] !== "Z") return true;
    } catch {
      // gone
    }
  }
  return false;
}

export async function run() {
  await perStepOverhead();
  await throughput();
  await tailLogs();
  await stepsEndWithController();
}
