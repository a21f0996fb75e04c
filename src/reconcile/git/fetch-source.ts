/**
 * @module Following a git remote: clone it once, fetch on later calls
 * (force-pushed branches and moved tags are followed) and resolve the ref to
 * a commit. Fetching never moves the checkout: the new commit is read from
 * the object database (read-tree.ts), and only a commit that was applied is
 * checked out, detached (`checkoutCommit`), so the clone always shows the
 * revision in effect.
 */
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { SimpleGit } from "simple-git";
import { gitClient, gitErrorText, type GitClientOptions } from "./client.js";
import { GitFetchError, GitPathError, GitRefError, GitSourceError, redactCredentials, redactUrl } from "./errors.js";
import { pathExistsAtCommit } from "./read-tree.js";
import { normalizeRepoPath } from "./repo-path.js";
import { isFullSha, isShortSha, revParse } from "./rev-parse.js";

export interface GitSourceOptions {
  url: string;
  /** Branch, tag, or full or short commit sha; the remote's default branch when absent. */
  ref?: string;
  /** Directory inside the repository holding the manifests; the whole tree when absent. */
  path?: string;
  /** Where the clone lives (`.orchestrator/sources/<name>`); created on first use. */
  cloneDir: string;
  /** A clone or fetch that prints nothing for this long is killed. */
  timeoutMs?: number;
}

export interface GitSourceRevision {
  /** Full sha of the commit the ref resolves to now (not checked out). */
  commit: string;
  /** `refs/heads/<branch>`, `refs/tags/<tag>`, or the sha when a commit was asked for. */
  ref: string;
  /** The path inside the repository, normalised; "" for the whole tree. */
  path: string;
  /** The clone, absolute. */
  cloneDir: string;
}

const BRANCHES = "+refs/heads/*:refs/remotes/origin/*";
const TAGS = "+refs/tags/*:refs/tags/*";

export async function fetchGitSource(opts: GitSourceOptions): Promise<GitSourceRevision> {
  const safeUrl = redactUrl(opts.url);
  if (opts.url.trim() === "" || opts.url.startsWith("-")) {
    throw new GitFetchError(safeUrl, "not a repository URL (it is empty or starts with '-')");
  }
  const subPath = normalizeRepoPath(opts.path ?? "");
  const cloneDir = resolve(opts.cloneDir);
  const clientOpts = opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs };

  if (isClone(cloneDir)) {
    const git = gitClient(cloneDir, clientOpts);
    await assertOwnRepository(git, cloneDir);
    await fetchOrigin(git, opts.url);
  } else {
    await cloneInto(cloneDir, opts.url, clientOpts.timeoutMs);
  }

  const git = gitClient(cloneDir, clientOpts);
  const { commit, ref } = await resolveRemoteRef(git, opts.ref, opts.url);
  if (!(await pathExistsAtCommit(cloneDir, commit, subPath))) {
    throw new GitPathError(subPath, `path '${subPath}' does not exist at ${commit.slice(0, 12)} of ${safeUrl}`, safeUrl);
  }
  return { commit, ref, path: subPath, cloneDir };
}

/** The commit the clone has checked out, or undefined (a fresh clone has none). */
export async function checkedOutCommit(cloneDir: string, opts: GitClientOptions = {}): Promise<string | undefined> {
  if (!isClone(cloneDir)) return undefined;
  return revParse(gitClient(cloneDir, opts), "HEAD");
}

/**
 * Checks `commit` out detached in the clone, discarding local changes,
 * unless it is checked out already.
 */
export async function checkoutCommit(cloneDir: string, commit: string, opts: GitClientOptions = {}): Promise<void> {
  const dir = resolve(cloneDir);
  if (!isClone(dir)) throw new GitSourceError(`${dir} is not a git clone`);
  const git = gitClient(dir, opts);
  await assertOwnRepository(git, dir);
  if ((await revParse(git, "HEAD")) === commit.toLowerCase()) return;
  await checkoutDetached(git, commit);
}

function isClone(dir: string): boolean {
  return existsSync(join(dir, ".git"));
}

/**
 * A `.git` file (a worktree or submodule link) makes git act on another
 * repository; `checkout --force` and `clean` must only ever run in our clone.
 */
async function assertOwnRepository(git: SimpleGit, cloneDir: string): Promise<void> {
  const top = (await git.revparse(["--show-toplevel"])).trim();
  if (realpathSync(top) !== realpathSync(cloneDir)) {
    throw new GitSourceError(`${cloneDir} is not the top of its own git clone (git found ${top}); remove it and retry`);
  }
}

/**
 * Clones next to the target and renames into place, so a failed or
 * interrupted clone never leaves a half-made directory behind.
 */
async function cloneInto(cloneDir: string, url: string, timeoutMs: number | undefined): Promise<void> {
  const safeUrl = redactUrl(url);
  if (existsSync(cloneDir) && (!statSync(cloneDir).isDirectory() || readdirSync(cloneDir).length > 0)) {
    throw new GitSourceError(`${cloneDir} exists and is not a git clone; remove it or choose another directory`, safeUrl);
  }
  const parent = dirname(cloneDir);
  await mkdir(parent, { recursive: true });
  const partial = `${cloneDir}.partial-${process.pid}-${Date.now().toString(36)}`;
  try {
    const git = gitClient(parent, timeoutMs === undefined ? {} : { timeoutMs });
    // --no-checkout: only an applied commit is checked out, detached, never a branch.
    await git.raw(["clone", "--no-checkout", "--origin", "origin", "--", url, partial]);
    // Without its local branch HEAD resolves to nothing, so the clone says that nothing is checked out yet.
    await deleteLocalBranches(gitClient(partial, timeoutMs === undefined ? {} : { timeoutMs }));
  } catch (e) {
    await rm(partial, { recursive: true, force: true });
    throw new GitFetchError(safeUrl, redactCredentials(gitErrorText(e), url));
  }
  try {
    if (existsSync(cloneDir)) await rm(cloneDir, { recursive: true });
    await rename(partial, cloneDir);
  } catch (e) {
    await rm(partial, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Forced refspecs follow a force-pushed branch or a moved tag; prune drops
 * branches and tags deleted upstream. The remote URL is updated first, so a
 * changed `url` in the source config takes effect.
 */
async function fetchOrigin(git: SimpleGit, url: string): Promise<void> {
  const safeUrl = redactUrl(url);
  try {
    const current = (await git.raw(["remote", "get-url", "origin"])).trim();
    if (current !== url) await git.raw(["remote", "set-url", "origin", url]);
  } catch {
    await git.raw(["remote", "add", "origin", url]);
  }
  try {
    await git.raw(["fetch", "--force", "--prune", "--no-recurse-submodules", "origin", BRANCHES, TAGS]);
  } catch (e) {
    throw new GitFetchError(safeUrl, redactCredentials(gitErrorText(e), url));
  }
}

/**
 * A name is tried as a branch first, then as a tag, then as a commit sha;
 * `refs/heads/x` and `refs/tags/x` pick one explicitly.
 */
interface ResolvedRef {
  commit: string;
  ref: string;
}

async function resolveRemoteRef(git: SimpleGit, ref: string | undefined, url: string): Promise<ResolvedRef> {
  const safeUrl = redactUrl(url);
  if (ref === undefined || ref === "") return resolveDefaultBranch(git, url);
  if (ref.startsWith("-")) throw new GitRefError(ref, `invalid ref '${ref}': a ref cannot start with '-'`, safeUrl);

  const candidates: Array<[string, string]> = [];
  if (ref.startsWith("refs/heads/")) candidates.push([`refs/remotes/origin/${ref.slice(11)}`, ref]);
  else if (ref.startsWith("refs/tags/")) candidates.push([ref, ref]);
  else candidates.push([`refs/remotes/origin/${ref}`, `refs/heads/${ref}`], [`refs/tags/${ref}`, `refs/tags/${ref}`]);
  for (const [local, name] of candidates) {
    const commit = await revParse(git, local);
    if (commit) return { commit, ref: name };
  }

  if (isShortSha(ref)) {
    let commit = await revParse(git, ref);
    // A commit no branch or tag reaches was not fetched; ask for it by id.
    if (!commit && isFullSha(ref)) {
      await git.raw(["fetch", "--no-recurse-submodules", "origin", ref.toLowerCase()]).catch(() => undefined);
      commit = await revParse(git, ref);
    }
    if (commit) return { commit, ref: commit };
  }
  throw new GitRefError(ref, `ref '${ref}' is not a branch, tag or commit of ${safeUrl}`, safeUrl);
}

/** The branch the remote's HEAD names, asked of the remote each time (it can change). */
async function resolveDefaultBranch(git: SimpleGit, url: string): Promise<ResolvedRef> {
  const safeUrl = redactUrl(url);
  try {
    await git.raw(["remote", "set-head", "origin", "--auto"]);
  } catch (e) {
    const said = redactCredentials(gitErrorText(e), url);
    throw new GitRefError("HEAD", `cannot find the default branch of ${safeUrl} (${said}); set a ref`, safeUrl);
  }
  const target = (await git.raw(["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"]).catch(() => "")).trim();
  const commit = target ? await revParse(git, target) : undefined;
  if (!commit) throw new GitRefError("HEAD", `${safeUrl} has no default branch (is it empty?); set a ref`, safeUrl);
  return { commit, ref: `refs/heads/${target.replace(/^refs\/remotes\/origin\//, "")}` };
}

/**
 * `--force` discards local edits to tracked files; `clean` removes everything
 * else that was added. The local branch `clone` made is deleted: the clone
 * follows remote-tracking refs only, and a stale `main` would only mislead.
 */
async function checkoutDetached(git: SimpleGit, commit: string): Promise<void> {
  await git.raw(["checkout", "--force", "--detach", commit]);
  await git.raw(["clean", "-ffdx", "--quiet"]);
  await deleteLocalBranches(git);
}

async function deleteLocalBranches(git: SimpleGit): Promise<void> {
  const branches = (await git.raw(["for-each-ref", "--format=%(refname)", "refs/heads/"])).split("\n").filter(Boolean);
  for (const ref of branches) await git.raw(["update-ref", "-d", ref]);
}
