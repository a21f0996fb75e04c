// Shared helpers for the benchmarks: timing, ratios, generated manifest trees.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CLI = join(ROOT, "dist/src/cli/main.js");

export function tempDir(prefix = "orch-bench-") {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function timeSync(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs the CLI; throws when it fails. */
export function cli(args, cwd, input) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", input: input ?? "", env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1" }, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`orchestrator ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r;
}

const results = [];

/** Records and prints one figure as a ratio to its baseline. */
export function report(name, ms, baselineMs, target) {
  const ratio = ms / baselineMs;
  const ok = target === undefined || ratio <= target;
  results.push({ name, ms, baselineMs, ratio, target, ok });
  const t = target === undefined ? "" : ` (target <= ${target}x) ${ok ? "ok" : "OVER"}`;
  console.log(`${name}: ${ms.toFixed(1)} ms vs baseline ${baselineMs.toFixed(1)} ms = ${ratio.toFixed(2)}x${t}`);
}

/** A ratio with an aim rather than a target: missing it is reported and does not fail the run. */
export function reportAim(name, ms, baselineMs, aim) {
  const ratio = ms / baselineMs;
  const ok = ratio <= aim;
  results.push({ name, ms, baselineMs, ratio, aim, ok, kind: "aim" });
  console.log(`${name}: ${ms.toFixed(1)} ms vs baseline ${baselineMs.toFixed(1)} ms = ${ratio.toFixed(2)}x (aim <= ${aim}x) ${ok ? "ok" : "over aim"}`);
}

/** A figure with no baseline (a latency). */
export function reportValue(name, ms, aim) {
  const ok = aim === undefined || ms <= aim;
  // An aim is not a target: missing it is reported, and does not fail the run.
  results.push({ name, ms, aim, ok, kind: "aim" });
  console.log(`${name}: ${ms.toFixed(1)} ms${aim === undefined ? "" : ` (aim < ${aim} ms) ${ok ? "ok" : "over aim"}`}`);
}

/** A figure with an absolute limit (a time or a size the project promises): over it is a miss, as a target is. */
export function reportLimit(name, value, limit, unit) {
  const ok = value <= limit;
  results.push({ name, ms: value, limit, ok });
  console.log(`${name}: ${value.toFixed(1)} ${unit} (limit ${limit} ${unit}) ${ok ? "ok" : "OVER"}`);
}

export function allResults() {
  return results;
}

const KINDS = [
  (i) => `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: agent-${i}\n  labels:\n    shard: "s${i % 10}"\nspec:\n  capabilities: [cap-${i % 7}, general]\n  command: "echo agent ${i} {prompt}"\n`,
  (i) => `apiVersion: orchestrator.dev/v2\nkind: StepTemplate\nmetadata:\n  name: tpl-${i}\nspec:\n  description: template ${i}\n  prompt: "Do task ${i} for {goal} in {workspace_root}"\n`,
  (i) => `apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: ws-${i}\nspec:\n  root_path: "."\n  qa_targets: [docs/qa]\n  ticket_dir: docs/ticket\n`,
  (i) =>
    `apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: wf-${i}\nspec:\n  max_parallel: 2\n  steps:\n    - id: plan\n      required_capability: cap-${i % 7}\n      template: tpl-${i}\n    - id: build\n      command: "echo build ${i}"\n      timeout_secs: 60\n      prehook:\n        engine: cel\n        when: "cycle >= 1"\n  loop:\n    mode: fixed\n    max_cycles: 2\n`,
  (i) => `apiVersion: orchestrator.dev/v2\nkind: EnvStore\nmetadata:\n  name: env-${i}\nspec:\n  data:\n    LEVEL: "debug"\n    INDEX: "${i}"\n`,
];

/** Writes `files` files of `perFile` documents each, kinds mixed; returns the directory. */
export function generateTree(dir, files = 100, perFile = 100) {
  mkdirSync(dir, { recursive: true });
  let n = 0;
  const paths = [];
  for (let f = 0; f < files; f++) {
    const docs = [];
    for (let d = 0; d < perFile; d++, n++) docs.push(KINDS[n % KINDS.length](n));
    const p = join(dir, `part-${String(f).padStart(3, "0")}.yaml`);
    writeFileSync(p, docs.join("---\n"));
    paths.push(p);
  }
  return paths;
}
