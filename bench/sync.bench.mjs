// A no-op `sync` of an unchanged 10,000-resource directory source (100
// files), against a baseline that only reads and hashes the same files: the
// least any sync must do to know nothing changed.
//
// Two figures: the sync path in-process against the baseline in-process
// (the target), and the whole `orchestrator sync` process against a node
// process running the baseline (shown for information: it also carries the
// CLI's fixed start-up, commander and the SQLite module, which no-op or not
// every command pays).
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { cli, generateTree, median, report, ROOT, tempDir, timeSync } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 9);

const BASELINE = `
import { readdirSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
const walk = (d) => readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))
  .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : /\\.ya?ml$/.test(e.name) ? [join(d, e.name)] : []));
const all = createHash("sha256");
for (const f of walk(process.argv[2])) all.update(f + createHash("sha256").update(readFileSync(f)).digest("hex"));
process.stdout.write(all.digest("hex") + "\\n");
`;

function readAndHash(dir) {
  const all = createHash("sha256");
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isFile() && /\.ya?ml$/.test(e.name)) all.update(e.name + createHash("sha256").update(readFileSync(join(dir, e.name))).digest("hex"));
  }
  return all.digest("hex");
}

async function timeAsync(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function run() {
  const work = tempDir();
  try {
    const tree = join(work, "manifests");
    generateTree(tree);
    const script = join(work, "baseline.mjs");
    writeFileSync(script, BASELINE);
    cli(["init"], work);
    cli(["sync"], work);

    const { homeAt } = await import(join(ROOT, "dist/src/store/home.js"));
    const { openStore } = await import(join(ROOT, "dist/src/store/sqlite/open.js"));
    const { reconcileSources } = await import(join(ROOT, "dist/src/reconcile/reconcile-sources.js"));
    const home = homeAt(join(work, ".orchestrator"));
    const inBase = [];
    const inSync = [];
    for (let i = 0; i < RUNS * 3; i++) {
      inBase.push(timeSync(() => readAndHash(tree)));
      inSync.push(
        await timeAsync(async () => {
          const store = openStore(home);
          const [r] = await reconcileSources({ home, store });
          store.close();
          if (!r.upToDate) throw new Error(`expected an up-to-date pass, got ${r.reason}: ${r.message}`);
        }),
      );
    }
    report("no-op sync pass of an unchanged 10,000-resource directory (in-process)", median(inSync), median(inBase), 1.5);

    const base = [];
    const noop = [];
    for (let i = 0; i < RUNS; i++) {
      base.push(timeSync(() => spawnSync(process.execPath, [script, tree], { encoding: "utf8" })));
      noop.push(timeSync(() => cli(["sync"], work)));
    }
    report("`orchestrator sync` process, no-op, vs a node process reading and hashing the files", median(noop), median(base));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
