/**
 * @module Running the built CLI as a user would, in throw-away directories.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = join(REPO_ROOT, "dist/src/cli/main.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/** Runs `orchestrator ...args` with no terminal attached (stdin is a pipe). */
export function cli(args: readonly string[], opts: RunOptions): CliResult {
  const env: Record<string, string> = {};
  // Controllers started by tests serve no web view unless a test asks: none may take the machine's default port; each webhook listener is on a port of its own.
  for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1", ORCHESTRATOR_UI_BIND: "none", ORCHESTRATOR_WEBHOOK_BIND: "127.0.0.1:0", ...opts.env })) {
    if (v !== undefined && k !== "ORCHESTRATOR_HOME") env[k] = v;
  }
  if (opts.env?.["ORCHESTRATOR_HOME"]) env["ORCHESTRATOR_HOME"] = opts.env["ORCHESTRATOR_HOME"];
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env,
    input: opts.input ?? "",
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A temp directory with files written from a map of relative path -> content. */
export function tempProject(files: Record<string, string> = {}): { dir: string; write(rel: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "orch-test-"));
  const write = (rel: string, text: string): string => {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  };
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  return { dir, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A temp project with `orchestrator init` already run. */
export function initializedProject(files: Record<string, string> = {}): ReturnType<typeof tempProject> & { run(args: readonly string[], extra?: Omit<RunOptions, "cwd">): CliResult } {
  const p = tempProject(files);
  const r = cli(["init"], { cwd: p.dir });
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  return { ...p, run: (args, extra = {}) => cli(args, { cwd: p.dir, ...extra }) };
}
