/**
 * @module The git client every git source operation uses: simple-git with an
 * environment that never prompts, never lets an inherited GIT_DIR point git
 * at another repository, and a timeout on stalled network operations.
 */
import { simpleGit, type SimpleGit, type SimpleGitOptions } from "simple-git";

/** A stalled clone or fetch (no output for this long) is killed. */
export const DEFAULT_GIT_TIMEOUT_MS = 5 * 60_000;

/**
 * Variables that select a repository, index or pathspec mode. A process
 * started from a git hook inherits GIT_DIR; left in place, it would make
 * `checkout --force` in a clone act on the caller's repository.
 */
const REPOSITORY_VARS = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
  "GIT_PREFIX",
  "GIT_GLOB_PATHSPECS",
  "GIT_NOGLOB_PATHSPECS",
  "GIT_ICASE_PATHSPECS",
];

/** Interactive tools that fetch, checkout and ls-tree never need. */
const INTERACTIVE_VARS = [
  "EDITOR",
  "VISUAL",
  "GIT_EDITOR",
  "GIT_SEQUENCE_EDITOR",
  "PAGER",
  "GIT_PAGER",
  "GIT_EXTERNAL_DIFF",
];

/**
 * Operator settings simple-git refuses unless allowed: they come from the
 * environment the operator started us in, never from a manifest, so each
 * is allowed exactly when present.
 */
const OPERATOR_VARS: Record<string, keyof NonNullable<SimpleGitOptions["unsafe"]>> = {
  git_ssh: "allowUnsafeSshCommand",
  git_ssh_command: "allowUnsafeSshCommand",
  git_askpass: "allowUnsafeAskPass",
  ssh_askpass: "allowUnsafeAskPass",
  git_config: "allowUnsafeConfigPaths",
  git_config_global: "allowUnsafeConfigPaths",
  git_config_system: "allowUnsafeConfigPaths",
  git_exec_path: "allowUnsafeConfigPaths",
  prefix: "allowUnsafeConfigPaths",
  git_config_count: "allowUnsafeConfigEnvCount",
  git_proxy_command: "allowUnsafeGitProxy",
  git_template_dir: "allowUnsafeTemplateDir",
};

/** The environment git runs with; pathspecs are literal so a path is never a glob. */
export function gitEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const drop = new Set([...REPOSITORY_VARS, ...INTERACTIVE_VARS]);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined && !drop.has(k.toUpperCase())) env[k] = v;
  }
  env.GIT_TERMINAL_PROMPT = "0";
  env.GIT_LITERAL_PATHSPECS = "1";
  return env;
}

function allowedOperatorSettings(env: Record<string, string>): SimpleGitOptions["unsafe"] {
  const unsafe: NonNullable<SimpleGitOptions["unsafe"]> = {};
  for (const k of Object.keys(env)) {
    const flag = OPERATOR_VARS[k.toLowerCase()];
    if (flag) unsafe[flag] = true;
  }
  return unsafe;
}

export interface GitClientOptions {
  timeoutMs?: number;
}

/** `baseDir` must exist. */
export function gitClient(baseDir: string, opts: GitClientOptions = {}): SimpleGit {
  const env = gitEnv();
  return simpleGit({
    baseDir,
    timeout: { block: opts.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS },
    unsafe: allowedOperatorSettings(env),
  }).env(env);
}

/** What git said about a failure, without its progress chatter ("Cloning into ..."). */
export function gitErrorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^Cloning into /.test(l))
    .join("\n");
}
