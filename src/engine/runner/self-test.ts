/**
 * @module The `self_test` builtin, as upstream's gate for a workspace that
 * holds a program's own source: build it, run its tests, validate its
 * manifests, and fail at the first phase that fails. What to run is read
 * from the workspace root: a `package.json` (its `build` and `test`
 * scripts), or a `Cargo.toml` (`cargo check`, `cargo test --lib`); then
 * `orchestrator manifest validate` over `manifests/` when that directory
 * exists. A workspace with none of them cannot be self-tested: the step
 * fails instead of reporting a test that never ran.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The CLI entry of this orchestrator (`dist/src/cli/main.js`). */
export function orchestratorCli(): string {
  return fileURLToPath(new URL("../../cli/main.js", import.meta.url));
}

/** A shell word: the text in single quotes. */
export function shellWord(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface SelfTestPlan {
  /** `name: command` phases, run in order. */
  phases: Array<{ name: string; command: string }>;
}

function packageScripts(root: string): Record<string, unknown> | undefined {
  const path = join(root, "package.json");
  if (!existsSync(path)) return undefined;
  try {
    const pkg = JSON.parse(readFileSync(path, "utf8")) as { scripts?: Record<string, unknown> };
    return pkg.scripts ?? {};
  } catch {
    return {};
  }
}

/** The phases of `self_test` for the workspace at `root`, or why there are none. `cli`: the orchestrator entry (for manifest validate). */
export function selfTestPlan(root: string, cli: string): SelfTestPlan | { problem: string } {
  const phases: SelfTestPlan["phases"] = [];
  const scripts = packageScripts(root);
  if (scripts) {
    if (typeof scripts["build"] === "string") phases.push({ name: "build", command: "npm run build" });
    if (typeof scripts["test"] === "string") phases.push({ name: "test", command: "npm test" });
    if (phases.length === 0) return { problem: `package.json in ${root} has neither a build nor a test script; self_test has nothing to run (add one, or give the step a command)` };
  } else if (existsSync(join(root, "Cargo.toml"))) {
    phases.push({ name: "cargo_check", command: "cargo check --workspace --message-format=short" });
    phases.push({ name: "cargo_test_lib", command: "cargo test --lib" });
  } else {
    return { problem: `self_test finds no package.json or Cargo.toml in ${root}, so it does not know how to build and test the workspace; give the step a command that does` };
  }
  const manifests = join(root, "manifests");
  if (existsSync(manifests) && statSync(manifests).isDirectory()) {
    phases.push({ name: "manifest_validate", command: `${shellWord(process.execPath)} ${shellWord(cli)} manifest validate -f manifests` });
  }
  return { phases };
}

/** One shell command running the phases in order, each announced, stopping at the first that fails. */
export function phasesCommand(builtin: string, phases: SelfTestPlan["phases"]): string {
  return phases.map((p) => `echo ${shellWord(`== ${builtin}: ${p.name}`)} && ${p.command}`).join(" && ");
}
