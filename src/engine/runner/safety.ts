/**
 * @module Checkpoints of the workspace and rolling back to them. At the
 * start of each cycle (`safety.checkpoint_strategy: git_tag` or
 * `git_stash`) the whole working tree — tracked changes and untracked,
 * not-ignored files alike — is recorded as a commit built on a private
 * index (the user's index and files are not touched), kept as the tag
 * `orchestrator/<task>/cycle-<n>` or as a stash entry. Rolling back puts
 * HEAD back where it was, removes what was created since, and restores
 * every recorded file, so the workspace is what it was at the checkpoint.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import type { JsonObject } from "../../resources/types.js";
import type { TaskContext } from "./task-context.js";

export type CheckpointStrategy = "git_tag" | "git_stash";

export interface Checkpoint {
  strategy: CheckpointStrategy;
  /** The tag, or the stash entry's commit. */
  ref: string;
  /** The commit recording the working tree. */
  commit: string;
  /** HEAD when the checkpoint was taken. */
  head: string;
  cycle: number;
}

export class CheckpointError extends Error {
  override name = "CheckpointError";
}

/** Commits need an identity; a repository with none configured gets the orchestrator's. */
const IDENTITY = { GIT_AUTHOR_NAME: "orchestrator", GIT_AUTHOR_EMAIL: "orchestrator@localhost", GIT_COMMITTER_NAME: "orchestrator", GIT_COMMITTER_EMAIL: "orchestrator@localhost" };

async function git(root: string, args: string[], env: Record<string, string> = {}): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await execa("git", args, { cwd: root, reject: false, env, stdin: "ignore" });
  return { ok: r.exitCode === 0, stdout: String(r.stdout).trim(), stderr: String(r.stderr).trim() };
}

export function checkpointStrategyOf(safety: JsonObject | undefined): CheckpointStrategy | undefined {
  const s = safety?.["checkpoint_strategy"];
  return s === "git_tag" || s === "git_stash" ? s : undefined;
}

/** Why the workspace cannot take checkpoints, or undefined when it can. */
export async function checkpointProblem(root: string, strategy: CheckpointStrategy): Promise<string | undefined> {
  const top = await git(root, ["rev-parse", "--show-toplevel"]);
  if (!top.ok) return `safety.checkpoint_strategy ${strategy} needs the workspace root ${root} to be in a git repository; run \`git init\` there (and commit once), or set checkpoint_strategy: none`;
  const head = await git(root, ["rev-parse", "--verify", "-q", "HEAD"]);
  if (!head.ok) return `safety.checkpoint_strategy ${strategy} needs a commit to build on, and the repository at ${top.stdout} has none yet; commit once, or set checkpoint_strategy: none`;
  return undefined;
}

/** Records the working tree; throws CheckpointError when git refuses. */
export async function takeCheckpoint(ctx: TaskContext, cycle: number, strategy: CheckpointStrategy): Promise<Checkpoint> {
  const root = ctx.workspace.root;
  const head = await git(root, ["rev-parse", "--verify", "HEAD"]);
  if (!head.ok) throw new CheckpointError(`checkpoint of cycle ${cycle} failed: ${head.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), "orch-checkpoint-"));
  try {
    // A private index: the user's staging area stays as it is.
    const env = { GIT_INDEX_FILE: join(dir, "index"), ...IDENTITY };
    for (const args of [["read-tree", head.stdout], ["add", "-A", "--", "."]]) {
      const r = await git(root, args, env);
      if (!r.ok) throw new CheckpointError(`checkpoint of cycle ${cycle} failed: git ${args[0]}: ${r.stderr}`);
    }
    const tree = await git(root, ["write-tree"], env);
    if (!tree.ok) throw new CheckpointError(`checkpoint of cycle ${cycle} failed: git write-tree: ${tree.stderr}`);
    const message = `orchestrator checkpoint: task ${ctx.task.id} cycle ${cycle}`;
    const commit = await git(root, ["commit-tree", tree.stdout, "-p", head.stdout, "-m", message], IDENTITY);
    if (!commit.ok) throw new CheckpointError(`checkpoint of cycle ${cycle} failed: git commit-tree: ${commit.stderr}`);
    let ref = commit.stdout;
    if (strategy === "git_tag") {
      ref = `orchestrator/${ctx.task.id}/cycle-${cycle}`;
      const tag = await git(root, ["tag", "-f", ref, commit.stdout]);
      if (!tag.ok) throw new CheckpointError(`checkpoint of cycle ${cycle} failed: git tag: ${tag.stderr}`);
    } else {
      const stash = await git(root, ["stash", "store", "-m", message, commit.stdout]);
      if (!stash.ok) throw new CheckpointError(`checkpoint of cycle ${cycle} failed: git stash store: ${stash.stderr}`);
    }
    return { strategy, ref, commit: commit.stdout, head: head.stdout, cycle };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Puts the workspace back to the checkpoint; throws CheckpointError when a step of it fails. */
export async function rollbackTo(ctx: TaskContext, cp: Checkpoint): Promise<void> {
  const root = ctx.workspace.root;
  const steps: string[][] = [
    // HEAD, index and tracked files as they were (commits made since are dropped from the branch).
    ["reset", "-q", "--hard", cp.head],
    // What was created since; the state folder stays (its runtime files are ignored anyway).
    ["clean", "-fdq", "-e", ".orchestrator/"],
    // Every file the checkpoint recorded, tracked or not.
    ["checkout", cp.commit, "--", "."],
    // The recorded files stay as changes in the working tree, as they were, not staged.
    ["reset", "-q"],
  ];
  for (const args of steps) {
    const r = await git(root, args);
    if (!r.ok) throw new CheckpointError(`rollback to ${cp.ref} failed at git ${args.join(" ")}: ${r.stderr}`);
  }
}
