// Applying 10,000 generated resources (mixed kinds, 100 files) into an empty
// store, and re-applying the unchanged set, against a baseline that only
// parses the same files with `yaml` and inserts the same rows with
// better-sqlite3 in one transaction.
import Database from "better-sqlite3";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { cli, generateTree, median, report, tempDir, timeSync } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function baseline(paths, dbPath) {
  const db = new Database(dbPath);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE IF NOT EXISTS r (project TEXT, kind TEXT, name TEXT, spec TEXT, PRIMARY KEY (project, kind, name))");
  const insert = db.prepare("INSERT OR REPLACE INTO r VALUES (?, ?, ?, ?)");
  const rows = [];
  for (const p of paths) {
    for (const doc of parseAllDocuments(readFileSync(p, "utf8"))) {
      const v = doc.toJS();
      rows.push(["default", v.kind, v.metadata.name, JSON.stringify(v.spec)]);
    }
  }
  db.transaction(() => {
    for (const r of rows) insert.run(...r);
  })();
  db.close();
}

export function run() {
  const work = tempDir();
  try {
    const tree = join(work, "manifests");
    const paths = generateTree(tree);
    const base = [];
    const cold = [];
    const warm = [];
    for (let i = 0; i < RUNS; i++) {
      const bdb = join(work, `baseline-${i}.db`);
      base.push(timeSync(() => baseline(paths, bdb)));
      rmSync(join(work, ".orchestrator"), { recursive: true, force: true });
      cli(["init"], work);
      cold.push(timeSync(() => cli(["apply", "-f", tree], work)));
      warm.push(timeSync(() => cli(["apply", "-f", tree], work)));
    }
    report("apply 10,000 resources into an empty store", median(cold), median(base), 2);
    report("re-apply the unchanged 10,000", median(warm), median(base), 1);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
