// `orchestrator watch` on a 10,000-resource directory (100 files):
// - the pass after one edit, against a cold `apply -f` of the whole directory
//   (target: at most 10% of it; unchanged files are neither read, parsed nor
//   validated again);
// - save-to-applied latency: a file is written until the store (what `get`
//   reads) shows the change, median over 20 edits, debounce included.
import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cli, CLI, generateTree, median, report, reportValue, ROOT, tempDir, timeSync } from "./lib.mjs";

const EDITS = Number(process.env.BENCH_EDITS ?? 20);

/** Rewrites agent-0's command in part-000.yaml. */
function editAgent(tree, tag) {
  const file = join(tree, "part-000.yaml");
  const text = readFileSync(file, "utf8").replace(/command: "echo agent 0 [^"]*"/, `command: "echo agent 0 ${tag} {prompt}"`);
  writeFileSync(file, text);
}

async function timeAsync(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function passAfterOneEdit(work, tree) {
  const { homeAt } = await import(join(ROOT, "dist/src/store/home.js"));
  const { openStore } = await import(join(ROOT, "dist/src/store/sqlite/open.js"));
  const { sourceStoreOf } = await import(join(ROOT, "dist/src/store/source-store.js"));
  const { reconcileSource } = await import(join(ROOT, "dist/src/reconcile/source-pass.js"));
  const { DesiredSetCache } = await import(join(ROOT, "dist/src/reconcile/desired-cache.js"));
  const home = homeAt(join(work, ".orchestrator"));
  const store = openStore(home);
  const cache = new DesiredSetCache();
  const pass = async () => {
    const source = sourceStoreOf(store).getSource("default");
    const { result } = await reconcileSource({ home, store, cache }, source);
    if (!result.ready) throw new Error(`${result.reason}: ${result.message}`);
    return result;
  };
  await pass(); // the first pass of a watch: everything is parsed once
  const times = [];
  for (let i = 0; i < 5; i++) {
    editAgent(tree, `pass${i}`);
    let result;
    times.push(await timeAsync(async () => (result = await pass())));
    if (result.counts.configured !== 1) throw new Error(`expected one change, got ${JSON.stringify(result.counts)}`);
  }
  store.close();
  return median(times);
}

async function saveToApplied(work, tree) {
  const child = spawn(process.execPath, [CLI, "watch"], { cwd: work, env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  try {
    while (!/source default: /.test(out)) {
      if (child.exitCode !== null) throw new Error(`watch exited: ${out}`);
      await sleep(20);
    }
    const db = new Database(join(work, ".orchestrator/state.db"), { readonly: true });
    const spec = db.prepare("SELECT spec FROM resources WHERE project = 'default' AND kind = 'Agent' AND name = 'agent-0'").pluck();
    const latencies = [];
    for (let i = 0; i < EDITS; i++) {
      const tag = `edit${i}`;
      const t0 = process.hrtime.bigint();
      editAgent(tree, tag);
      const deadline = Date.now() + 10_000;
      while (!String(spec.get()).includes(tag)) {
        if (Date.now() > deadline) throw new Error(`edit ${i} not applied within 10 s; watch printed:\n${out}`);
        await sleep(1);
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await sleep(100);
    }
    db.close();
    return median(latencies);
  } finally {
    child.kill("SIGINT");
    await new Promise((r) => child.once("exit", r));
  }
}

export async function run() {
  const work = tempDir();
  try {
    const tree = join(work, "manifests");
    generateTree(tree);
    cli(["init"], work);
    const cold = timeSync(() => cli(["apply", "-f", tree], work));
    // The watch passes own the directory as source `default`: start from an empty store.
    rmSync(join(work, ".orchestrator"), { recursive: true, force: true });
    cli(["init"], work);
    const pass = await passAfterOneEdit(work, tree);
    report("watch pass after one edit in 10,000 resources, vs a cold apply -f of them", pass, cold, 0.1);
    reportValue(`watch save-to-applied latency, median of ${EDITS} edits`, await saveToApplied(work, tree), 250);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
