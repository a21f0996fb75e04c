/**
 * @module `{diff}`: the workspace's changes as git sees them. The workspace
 * root may be the top of a repository or any directory inside one; git
 * itself says whether it is in a work tree, and the diff is limited to the
 * paths under the root (shown relative to it). Like upstream, the diff is
 * against HEAD, so staged and unstaged changes both count.
 */
import { execa } from "execa";

const MAX_DIFF_BYTES = 16 * 1024 * 1024;

async function git(root: string, args: readonly string[], input?: string): Promise<{ ok: boolean; stdout: string }> {
  try {
    const r = await execa("git", ["-C", root, ...args], { reject: false, maxBuffer: MAX_DIFF_BYTES, stripFinalNewline: false, ...(input !== undefined ? { input } : {}) });
    return { ok: r.exitCode === 0, stdout: r.stdout };
  } catch {
    // git is missing or the buffer overflowed: no diff rather than a failed step.
    return { ok: false, stdout: "" };
  }
}

/** The diff of the work tree under `root` against HEAD; "" outside a git work tree. */
export async function workspaceDiff(root: string): Promise<string> {
  const inside = await git(root, ["rev-parse", "--is-inside-work-tree"]);
  if (!inside.ok || inside.stdout.trim() !== "true") return "";
  // A repository without commits has no HEAD: diff against the empty tree instead.
  const head = await git(root, ["rev-parse", "--verify", "--quiet", "HEAD"]);
  let base = "HEAD";
  if (!head.ok) {
    const empty = await git(root, ["hash-object", "-t", "tree", "--stdin"], "");
    if (!empty.ok) return "";
    base = empty.stdout.trim();
  }
  const diff = await git(root, ["diff", "--no-color", "--no-ext-diff", "--relative", base, "--"]);
  return diff.ok ? diff.stdout : "";
}
