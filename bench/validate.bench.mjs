// Validating 50 MB of manifests with `manifest validate`: a valid set spread
// over many files, and one 50 MB file with a single error in its middle.
// Each is timed and its peak memory (the process's max RSS, worker threads
// included) measured; both must stay under 10 s and 1 GB. The time is also
// shown as a ratio to a baseline that only reads the same files with
// js-yaml in this process (no validation, no positions).
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import jsyaml from "js-yaml";
import { CLI, generateTree, report, reportLimit, tempDir, timeSync } from "./lib.mjs";

const TARGET_BYTES = 50 * 1024 * 1024;
const LIMIT_MS = 10_000;
const LIMIT_MB = 1024;

// Prints the process's peak RSS (KiB) on stderr as it exits.
const PROBE = `data:text/javascript,process.on("exit",()=>process.stderr.write("\\nmaxrss-kib:"+process.resourceUsage().maxRSS+"\\n"))`;

function validate(path, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["--import", PROBE, CLI, "manifest", "validate", "-f", path], { cwd, encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1" } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const rss = /maxrss-kib:(\d+)/.exec(r.stderr);
  if (!rss) throw new Error(`manifest validate did not finish (${r.status}): ${r.stderr.slice(-2000)}`);
  return { ms, mb: Number(rss[1]) / 1024, code: r.status, stderr: r.stderr };
}

function baseline(paths) {
  return timeSync(() => {
    for (const p of paths) jsyaml.loadAll(readFileSync(p, "utf8"));
  });
}

export function run() {
  const work = tempDir();
  try {
    // About 200 bytes a document: 128 files of 2,000 documents make 50 MB.
    const tree = join(work, "manifests");
    const paths = generateTree(tree, 128, 2000);
    const bytes = readdirSync(tree).reduce((n, f) => n + readFileSync(join(tree, f)).length, 0);
    if (bytes < TARGET_BYTES * 0.95) throw new Error(`generated ${bytes} bytes, expected about 50 MB`);
    const valid = validate(tree, work);
    if (valid.code !== 0) throw new Error(`the generated set does not validate: ${valid.stderr.slice(-2000)}`);
    const base = baseline(paths);
    report(`validate 50 MB of manifests (${paths.length} files), vs reading them with js-yaml`, valid.ms, base);
    reportLimit("validate 50 MB of manifests: time", valid.ms, LIMIT_MS, "ms");
    reportLimit("validate 50 MB of manifests: peak memory", valid.mb, LIMIT_MB, "MB");

    // One file: every document of the set in a row, one of them broken halfway through.
    const texts = paths.map((p) => readFileSync(p, "utf8"));
    const half = Math.floor(texts.length / 2);
    texts[half] = texts[half].replace("capabilities: [", "capabilities: 7\n  oops: [");
    const one = join(work, "one.yaml");
    writeFileSync(one, texts.join("---\n"));
    const broken = validate(one, work);
    if (broken.code !== 1 || !/one\.yaml:\d+:\d+/.test(broken.stderr)) throw new Error(`expected one error with its position: ${broken.stderr.slice(-2000)}`);
    reportLimit("validate one 50 MB file with one error: time", broken.ms, LIMIT_MS, "ms");
    reportLimit("validate one 50 MB file with one error: peak memory", broken.mb, LIMIT_MB, "MB");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
