// A git source followed by the controller, commit-to-applied:
// - with a push notification: commit, push to a bare repository, POST the
//   signed notification to /hooks/sources/<source>, until the store shows
//   the new resource (median of PUSHES; aim under 1 s);
// - against the same source polled at a 2 s interval with no notification
//   (median of POLLS): the push path should take a fraction of it.
import Database from "better-sqlite3";
import { execFileSync, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cli, CLI, median, report, reportValue, tempDir } from "./lib.mjs";

const PUSHES = Number(process.env.BENCH_PUSHES ?? 10);
const POLLS = Number(process.env.BENCH_POLLS ?? 3);
const KEY = "bench-push-key";
const V2 = "apiVersion: orchestrator.dev/v2";
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "bench", GIT_AUTHOR_EMAIL: "bench@example.test", GIT_COMMITTER_NAME: "bench", GIT_COMMITTER_EMAIL: "bench@example.test" };
const git = (cwd, ...args) => execFileSync("git", args, { cwd, env: GIT_ENV, stdio: ["ignore", "pipe", "pipe"] });
const workspace = (name) => `${V2}\nkind: Workspace\nmetadata:\n  name: ${name}\nspec:\n  root_path: "."\n  qa_targets: []\n  ticket_dir: t\n`;

async function withController(work, fn) {
  const child = spawn(process.execPath, [CLI, "controller", "--foreground", "--webhook-bind", "127.0.0.1:0"], { cwd: work, env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  try {
    let m;
    while (!(m = /listening on (http:\/\/\S+) /.exec(out)) || !/source repo: /.test(out)) {
      if (child.exitCode !== null) throw new Error(`controller exited: ${out}`);
      await sleep(20);
    }
    return await fn(m[1], () => out);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

/** Commits and pushes a new Workspace, optionally notifies, and waits until the store has it. */
async function commitToApplied(upstream, name, has, notify) {
  const t0 = process.hrtime.bigint();
  writeFileSync(join(upstream.work, "manifests", `${name}.yaml`), workspace(name));
  git(upstream.work, "add", "-A");
  git(upstream.work, "commit", "--quiet", "-m", name);
  git(upstream.work, "push", "--quiet", "origin", "main");
  if (notify) await notify();
  const deadline = Date.now() + 30_000;
  while (!has(name)) {
    if (Date.now() > deadline) throw new Error(`${name} not applied within 30 s`);
    await sleep(2);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function run() {
  const root = tempDir();
  try {
    const bare = join(root, "upstream.git");
    const work = join(root, "upstream-work");
    git(root, "init", "--quiet", "--bare", "-b", "main", bare);
    git(root, "init", "--quiet", "-b", "main", work);
    git(work, "remote", "add", "origin", bare);
    mkdirSync(join(work, "manifests"));
    writeFileSync(join(work, "manifests", "keys.yaml"), `${V2}\nkind: SecretStore\nmetadata:\n  name: push-keys\nspec:\n  data:\n    current: "${KEY}"\n`);
    git(work, "add", "-A");
    git(work, "commit", "--quiet", "-m", "keys");
    git(work, "push", "--quiet", "origin", "main");
    const upstream = { bare, work };

    const project = join(root, "project");
    mkdirSync(project);
    cli(["init"], project);
    cli(["source", "remove", "default"], project);

    // Pushes with a notification; the interval is far away.
    cli(["source", "add", "repo", "--git", bare, "--path", "manifests", "--interval", "1h", "--webhook-secret", "push-keys"], project);
    const db = new Database(join(project, ".orchestrator/state.db"), { readonly: true, fileMustExist: false, timeout: 5000 });
    const has = (name) => db.prepare("SELECT 1 FROM resources WHERE project = 'default' AND kind = 'Workspace' AND name = ?").get(name) !== undefined;
    const pushed = await withController(project, async (url) => {
      const times = [];
      for (let i = 0; i < PUSHES; i++) {
        times.push(
          await commitToApplied(upstream, `pushed-${i}`, has, async () => {
            const body = JSON.stringify({ ref: "refs/heads/main" });
            const res = await fetch(`${url}/hooks/sources/repo`, { method: "POST", body, headers: { "content-type": "application/json", "X-Hub-Signature-256": `sha256=${createHmac("sha256", KEY).update(body).digest("hex")}` } });
            if (res.status !== 202) throw new Error(`notification answered ${res.status}: ${await res.text()}`);
          }),
        );
      }
      return median(times);
    });

    // The same source polled every 2 s, no notification.
    cli(["source", "remove", "repo"], project);
    cli(["source", "add", "repo", "--git", bare, "--path", "manifests", "--interval", "2s"], project);
    const polled = await withController(project, async () => {
      const times = [];
      for (let i = 0; i < POLLS; i++) times.push(await commitToApplied(upstream, `polled-${i}`, has, undefined));
      return median(times);
    });
    db.close();
    reportValue(`git source commit-to-applied with a push notification, median of ${PUSHES}`, pushed, 1000);
    report("git source commit-to-applied with a push notification, vs polling at a 2 s interval", pushed, polled, 0.5);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
