/**
 * @module `item_isolation: {strategy: git_worktree}`: each item's steps run
 * in a git worktree of its own, on a branch `<branch_prefix>/<task>/<item>`
 * made from the workspace's HEAD, so candidates cannot tread on each other.
 * `item_select` brings the winner back: its worktree's changes are
 * committed on its branch and the workspace fast-forwards to it. When the
 * task ends the worktrees and branches are removed (`cleanup:
 * after_workflow`, the default) or kept for inspection (`never`).
 * Worktrees live under the task's log folder, which git ignores.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import type { JsonObject, JsonValue } from "../../resources/types.js";
import type { TaskContext } from "./task-context.js";

export const ITEM_WORKTREE_VAR = "item_worktree_path";
export const ITEM_BRANCH_VAR = "item_branch";

export interface ItemIsolation {
  strategy: "git_worktree";
  branchPrefix: string;
  cleanup: "after_workflow" | "never";
}

export class ItemIsolationError extends Error {
  override name = "ItemIsolationError";
}

const IDENTITY = { GIT_AUTHOR_NAME: "orchestrator", GIT_AUTHOR_EMAIL: "orchestrator@localhost", GIT_COMMITTER_NAME: "orchestrator", GIT_COMMITTER_EMAIL: "orchestrator@localhost" };

/** The workflow's isolation, or undefined for `strategy: none` (or none given). */
export function itemIsolationOf(raw: JsonValue | undefined): ItemIsolation | undefined {
  if (!raw || typeof raw !== "object" || Array.isArray(raw) || raw["strategy"] !== "git_worktree") return undefined;
  const prefix = typeof raw["branch_prefix"] === "string" && raw["branch_prefix"].trim() ? raw["branch_prefix"].trim() : "orchestrator-item";
  return { strategy: "git_worktree", branchPrefix: prefix, cleanup: raw["cleanup"] === "never" ? "never" : "after_workflow" };
}

/** A git ref component from any text: letters, digits, `-`, `_`, `/` stay, the rest become `-`. */
function refPart(s: string): string {
  return s.replace(/[^A-Za-z0-9_/-]/g, "-").replace(/\/+/g, "/").replace(/^[-/]+|[-/]+$/g, "") || "x";
}

async function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await execa("git", args, { cwd, reject: false, env, stdin: "ignore" });
  return { ok: r.exitCode === 0, stdout: String(r.stdout).trim(), stderr: String(r.stderr).trim() };
}

function worktreeRoot(ctx: TaskContext): string {
  return join(ctx.logDir, "item-worktrees");
}

export function branchOf(iso: ItemIsolation, taskId: string, itemId: string): string {
  return `${refPart(iso.branchPrefix)}/${refPart(taskId)}/${refPart(itemId)}`;
}

/**
 * The item's worktree, made on first use; its path and branch are set in
 * the item's variables. Throws ItemIsolationError when git cannot make it.
 */
export async function ensureItemWorktree(ctx: TaskContext, iso: ItemIsolation, itemId: string, vars: Record<string, string>): Promise<{ created: boolean; path: string; branch: string }> {
  const existing = vars[ITEM_WORKTREE_VAR];
  if (existing && existsSync(existing)) return { created: false, path: existing, branch: vars[ITEM_BRANCH_VAR] ?? "" };
  const root = ctx.workspace.root;
  const head = await git(root, ["rev-parse", "--verify", "HEAD"]);
  if (!head.ok) throw new ItemIsolationError(`item_isolation git_worktree needs the workspace root ${root} to be a git repository with a commit: ${head.stderr}`);
  const dirty = await git(root, ["status", "--porcelain", "--untracked-files=no"]);
  if (dirty.stdout) throw new ItemIsolationError(`item_isolation git_worktree needs a clean workspace (uncommitted changes to tracked files would not be in the items' worktrees): commit or stash them first`);
  const branch = branchOf(iso, ctx.task.id, itemId);
  const path = join(worktreeRoot(ctx), refPart(itemId).replace(/\//g, "_"));
  mkdirSync(worktreeRoot(ctx), { recursive: true });
  // Left from an interrupted attempt: made again from HEAD.
  await git(root, ["worktree", "remove", "--force", path]);
  await git(root, ["branch", "-D", branch]);
  const add = await git(root, ["worktree", "add", "-q", "-b", branch, path, head.stdout]);
  if (!add.ok) throw new ItemIsolationError(`could not make the worktree of item ${itemId}: ${add.stderr}`);
  vars[ITEM_WORKTREE_VAR] = path;
  vars[ITEM_BRANCH_VAR] = branch;
  return { created: true, path, branch };
}

/** Commits what the winner's steps changed on its branch, then fast-forwards the workspace to it. */
export async function applyWinner(ctx: TaskContext, vars: Readonly<Record<string, string>>): Promise<{ branch: string; commit: string }> {
  const path = vars[ITEM_WORKTREE_VAR];
  const branch = vars[ITEM_BRANCH_VAR];
  if (!path || !branch) throw new ItemIsolationError("the winning item has no worktree (none of its steps ran isolated)");
  const add = await git(path, ["add", "-A"]);
  if (!add.ok) throw new ItemIsolationError(`could not stage the winner's changes in ${path}: ${add.stderr}`);
  const staged = await git(path, ["diff", "--cached", "--quiet"]);
  if (!staged.ok) {
    const commit = await git(path, ["commit", "-q", "-m", `orchestrator: item ${branch} (task ${ctx.task.id})`], IDENTITY);
    if (!commit.ok) throw new ItemIsolationError(`could not commit the winner's changes on ${branch}: ${commit.stderr}`);
  }
  const merge = await git(ctx.workspace.root, ["merge", "--ff-only", "-q", branch]);
  if (!merge.ok) throw new ItemIsolationError(`could not fast-forward the workspace to the winner's branch ${branch}: ${merge.stderr}`);
  const head = await git(ctx.workspace.root, ["rev-parse", "HEAD"]);
  return { branch, commit: head.stdout };
}

/** Removes the task's worktrees and branches; returns how many branches went. */
export async function cleanupItemWorktrees(ctx: TaskContext, iso: ItemIsolation): Promise<number> {
  const root = ctx.workspace.root;
  const list = await git(root, ["worktree", "list", "--porcelain"]);
  for (const line of list.stdout.split("\n")) {
    const path = line.startsWith("worktree ") ? line.slice("worktree ".length) : undefined;
    if (path && path.startsWith(worktreeRoot(ctx))) await git(root, ["worktree", "remove", "--force", path]);
  }
  rmSync(worktreeRoot(ctx), { recursive: true, force: true });
  await git(root, ["worktree", "prune"]);
  const branches = await git(root, ["branch", "--list", `${refPart(iso.branchPrefix)}/${refPart(ctx.task.id)}/*`, "--format=%(refname:short)"]);
  let n = 0;
  for (const b of branches.stdout.split("\n").filter(Boolean)) if ((await git(root, ["branch", "-D", b])).ok) n++;
  return n;
}

export function isolationRecord(path: string, branch: string): JsonObject {
  return { strategy: "git_worktree", worktree: path, branch };
}
