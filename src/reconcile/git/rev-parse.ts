/**
 * @module Resolving a revision to a full commit sha, quietly: an unknown
 * revision is `undefined`, not an exception.
 */
import type { SimpleGit } from "simple-git";

const FULL_SHA = /^[0-9a-f]{40}$/i;
const SHORT_SHA = /^[0-9a-f]{4,40}$/i;

export function isFullSha(s: string): boolean {
  return FULL_SHA.test(s);
}

/** Four hex digits or more, as git accepts an abbreviated object name. */
export function isShortSha(s: string): boolean {
  return SHORT_SHA.test(s);
}

/**
 * The commit `rev` names (tags peeled), or undefined. Callers pass only
 * revisions that cannot be read as an option (no leading '-').
 */
export async function revParse(git: SimpleGit, rev: string): Promise<string | undefined> {
  try {
    const out = (await git.raw(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`])).trim();
    return isFullSha(out) ? out.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
