#!/usr/bin/env node
// Conformance check: runs the built CLI over every manifest of a corpus
// directory and compares what it does with the expectations written in the
// corpus README. Prints one line per file that differs and a summary; exits 1
// when any file differs.
//
//   node scripts/corpus-check.mjs ../shared/corpus [--verbose]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(root, "dist/src/cli/main.js");
const args = process.argv.slice(2);
const verbose = args.includes("--verbose");
const corpus = resolve(args.find((a) => !a.startsWith("--")) ?? "../shared/corpus");

/** What the corpus README says each special file must do; every other file validates with no error. */
const EXPECT = {
  "fixture-bundles/s4-invalid-cel.yaml": {
    // The error names the file, the line and the field path of the expression.
    reject: (errors) => errors.some((e) => e.code === "cel" && e.path && e.position?.file && e.position?.line),
  },
  "fixture-bundles/crd-test-invalid.yaml": {
    reject: (errors) => errors.length > 0,
    withCrd: "fixture-bundles/crd-test.yaml",
    rejectWithCrd: (errors) => errors.some((e) => /prompts/.test(e.message + (e.path ?? ""))),
  },
  "fixture-bundles/qa105-s1-capture-wrong-level.yaml": {
    warn: (ws) => ws.some((w) => w.code === "unknown-field" && /capture/.test(w.path ?? w.message) && /behavior\.captures/.test((w.hint ?? "") + w.message)),
  },
  "fixture-bundles/qa105-s2-unknown-field-no-suggestion.yaml": {
    warn: (ws) => ws.some((w) => w.code === "unknown-field" && /foobar/.test((w.path ?? "") + w.message) && !/did you mean/i.test((w.hint ?? "") + w.message)),
  },
  "fixture-bundles/qa105-s4-prehook-undeclared-capture.yaml": {
    warn: (ws) => ws.some((w) => /regression_target_ids/.test(w.message)),
  },
  "fixture-bundles/qa105-s3-correct-yaml.yaml": { noWarnings: true },
  "fixture-bundles/qa105-s5-prehook-declared-capture.yaml": { noWarnings: true },
};

function listYaml(dir) {
  const out = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...listYaml(p));
    else if (/\.ya?ml$/.test(e)) out.push(p);
  }
  return out;
}

function run(cliArgs, cwd) {
  const r = spawnSync(process.execPath, [CLI, ...cliArgs], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_HOME: "" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function validate(file, cwd) {
  const r = run(["manifest", "validate", "-o", "json", "-f", file], cwd);
  try {
    return { code: r.code, ...JSON.parse(r.stdout) };
  } catch {
    return { code: r.code, errors: [{ message: `unparsable output: ${r.stdout.slice(0, 200)} ${r.stderr.slice(0, 200)}` }], warnings: [] };
  }
}

const files = listYaml(corpus);
let asExpected = 0;
let warningCount = 0;
const unsupported = new Map();
const differing = [];

for (const abs of files) {
  const rel = relative(corpus, abs);
  const exp = EXPECT[rel] ?? {};
  const problems = [];
  const work = mkdtempSync(join(tmpdir(), "corpus-check-"));
  try {
    const v = validate(abs, work);
    const errors = v.errors ?? [];
    const warnings = v.warnings ?? [];
    warningCount += warnings.length;
    for (const w of warnings) {
      if (w.code === "unsupported-field") {
        const key = (w.path ?? w.message).replace(/\[\d+\]/g, "[]");
        unsupported.set(key, (unsupported.get(key) ?? 0) + 1);
      }
    }
    if (exp.reject) {
      if (v.code === 0) problems.push("expected rejection, but validate exited 0");
      else if (!exp.reject(errors)) problems.push(`rejected, but not as expected: ${errors.map((e) => e.message).join("; ")}`);
      if (exp.withCrd) {
        // Apply the CRD into a fresh store, then the invalid instance must still be rejected.
        run(["init"], work);
        const applied = run(["apply", "-f", join(corpus, exp.withCrd)], work);
        if (applied.code !== 0) problems.push(`could not apply ${exp.withCrd}: ${applied.stderr.trim()}`);
        const again = validate(abs, work);
        if (again.code === 0) problems.push(`expected rejection after ${exp.withCrd} was applied, but validate exited 0`);
        else if (!exp.rejectWithCrd(again.errors ?? [])) problems.push(`rejected after CRD, but not for the missing spec.prompts: ${(again.errors ?? []).map((e) => e.message).join("; ")}`);
      }
    } else {
      if (v.code !== 0) problems.push(`validate exited ${v.code}: ${errors.map((e) => `${e.path ?? ""} ${e.message}`).join("; ")}`);
      // apply --dry-run into an empty store must agree.
      run(["init"], work);
      const dry = run(["apply", "--dry-run", "-f", abs], work);
      if (dry.code !== 0) problems.push(`apply --dry-run exited ${dry.code}: ${dry.stderr.trim().split("\n")[0]}`);
    }
    if (exp.warn && !exp.warn(warnings)) problems.push(`expected warning missing; got: ${warnings.map((w) => w.message).join("; ") || "none"}`);
    if (exp.noWarnings && warnings.length) problems.push(`expected no warning, got: ${warnings.map((w) => `${w.path ?? ""} ${w.message}`).join("; ")}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (problems.length) differing.push(`${rel}: ${problems.join(" | ")}`);
  else asExpected++;
  if (verbose) process.stderr.write(`${problems.length ? "DIFF" : "ok  "} ${rel}\n`);
}

for (const line of differing) console.log(`differs: ${line}`);
const unsupportedTotal = [...unsupported.values()].reduce((a, b) => a + b, 0);
console.log(`corpus: ${files.length} files, ${asExpected} as expected, ${differing.length} differ; ${warningCount} warnings, ${unsupportedTotal} unsupported-field warnings`);
if (unsupported.size) {
  for (const [field, n] of [...unsupported.entries()].sort((a, b) => b[1] - a[1])) console.log(`  unsupported: ${field} (${n})`);
}
process.exit(differing.length ? 1 : 0);
