/**
 * @module Workflow safety around cycles: a git checkpoint of the workspace at
 * the start of each cycle (`checkpoint_strategy: git_tag` or `git_stash`)
 * and, with `auto_rollback`, a reset to it when the task fails on safety
 * limits.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import type { TaskContext } from "./task-context.js";

export interface Checkpoint {
  strategy: "git_tag" | "git_stash";
  /** A tag name or a commit id to return to. */
  ref: string;
}

async function git(root: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await execa("git", args, { cwd: root, reject: false });
  return { ok: r.exitCode === 0, stdout: String(r.stdout).trim(), stderr: String(r.stderr).trim() };
}

export async function checkpointCycle(ctx: TaskContext, cycle: number, log: (l: string) => void): Promise<Checkpoint | undefined> {
  const strategy = ctx.workflow.safety?.["checkpoint_strategy"];
  if (strategy !== "git_tag" && strategy !== "git_stash") return undefined;
  const root = ctx.workspace.root;
  if (!existsSync(join(root, ".git"))) {
    log(`checkpoint skipped: ${root} is not a git repository`);
    return undefined;
  }
  if (strategy === "git_tag") {
    const tag = `orchestrator/${ctx.task.id}/cycle-${cycle}`;
    const r = await git(root, ["tag", "-f", tag]);
    if (!r.ok) {
      log(`checkpoint failed: ${r.stderr}`);
      return undefined;
    }
    return { strategy, ref: tag };
  }
  // `git stash create` records the working tree without touching it; HEAD when clean.
  const stash = await git(root, ["stash", "create"]);
  const ref = stash.ok && stash.stdout ? stash.stdout : (await git(root, ["rev-parse", "HEAD"])).stdout;
  return ref ? { strategy, ref } : undefined;
}

export async function rollbackTo(ctx: TaskContext, cp: Checkpoint, log: (l: string) => void): Promise<void> {
  const root = ctx.workspace.root;
  const r = cp.strategy === "git_tag" ? await git(root, ["reset", "--hard", cp.ref]) : await git(root, ["checkout", cp.ref, "--", "."]);
  log(r.ok ? `rolled back the workspace to ${cp.ref}` : `rollback to ${cp.ref} failed: ${r.stderr}`);
}
