/**
 * @module Real git repositories in temp dirs for the git source tests: an
 * isolated git environment (no system or user config), a bare "remote" and
 * a working repository that commits and pushes to it.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const ISOLATED_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.test",
  GIT_COMMITTER_NAME: "Test Committer",
  GIT_COMMITTER_EMAIL: "committer@example.test",
  GIT_TERMINAL_PROMPT: "0",
};

const CLEARED = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CONFIG_GLOBAL", "GIT_CONFIG", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"];

/** Points HOME at a temp dir and pins identities; returns the temp root and a restore function. */
export function isolateGit(): { root: string; restore: () => void } {
  const root = mkdtempSync(join(tmpdir(), "orch-git-"));
  const home = join(root, "home");
  mkdirSync(home);
  const saved = new Map<string, string | undefined>();
  const set = (k: string, v: string | undefined): void => {
    if (!saved.has(k)) saved.set(k, process.env[k]);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  set("HOME", home);
  set("XDG_CONFIG_HOME", join(home, ".config"));
  for (const [k, v] of Object.entries(ISOLATED_ENV)) set(k, v);
  for (const k of CLEARED) set(k, undefined);
  return {
    root,
    restore: () => {
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export interface Upstream {
  /** The bare repository the source follows. */
  bare: string;
  /** A clone of it where the test commits and pushes. */
  work: string;
  write(file: string, text: string): void;
  remove(file: string): void;
  /** Commits everything and returns the new sha. */
  commit(message: string): string;
  push(...args: string[]): void;
}

export function makeUpstream(root: string, name = "upstream"): Upstream {
  const bare = join(root, `${name}.git`);
  const work = join(root, `${name}-work`);
  execFileSync("git", ["init", "--quiet", "--bare", "-b", "main", bare]);
  execFileSync("git", ["init", "--quiet", "-b", "main", work]);
  git(work, "remote", "add", "origin", bare);
  return {
    bare,
    work,
    write(file, text) {
      mkdirSync(dirname(join(work, file)), { recursive: true });
      writeFileSync(join(work, file), text);
    },
    remove(file) {
      git(work, "rm", "--quiet", file);
    },
    commit(message) {
      git(work, "add", "-A");
      git(work, "commit", "--quiet", "-m", message);
      return git(work, "rev-parse", "HEAD");
    },
    push(...args) {
      git(work, "push", "--quiet", ...(args.length ? args : ["origin", "main"]));
    },
  };
}
