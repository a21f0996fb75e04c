/**
 * @module A git source: a clone under `.orchestrator/sources/<name>`,
 * fetched on every pass (a force-pushed branch is followed). The resolved
 * commit is read from the object database, and only once it is applied is
 * it checked out, detached: a commit that fails validation, or a dry run
 * (`diff`, `sync --dry-run`), never moves the checkout off the commit in
 * effect. A fetch that fails is retried with backoff within the pass; after
 * that the pass stops with FetchFailed and the last applied state stays.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Home } from "../../store/home.js";
import type { SourceSpec } from "../../store/source-store.js";
import { Reason } from "../conditions.js";
import type { Diagnostic } from "../../resources/diagnostics.js";
import type { SourceFile } from "../desired-cache.js";
import { checkoutCommit, fetchGitSource, GitFetchError, GitPathError, GitRefError, readTreeBlobs, type GitSourceRevision } from "../git/index.js";
import { withCloneLock } from "./clone-lock.js";
import { manifestFromBytes } from "./read-files.js";
import { cloneDirOf, resolveSourceUrl } from "./spec.js";
import type { FetchedRevision, FetchFailure, SourceFiles } from "./types.js";

/** A clone is held by one process at a time; a large first clone may take long. */
const LOCK_TIMEOUT_MS = 10 * 60_000;

export interface GitFetchOptions {
  /** Retries of a failed fetch within the pass (backoff from 200 ms). Default 2. */
  retries?: number;
  /** A clone or fetch that prints nothing for this long is killed. */
  timeoutMs?: number;
}

export async function fetchGitRevision(home: Home, spec: SourceSpec, opts: GitFetchOptions = {}): Promise<FetchedRevision | FetchFailure> {
  const cloneDir = cloneDirOf(home, spec.name);
  const clientOpts = opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {};
  let rev: GitSourceRevision;
  try {
    rev = await withCloneLock(cloneDir, LOCK_TIMEOUT_MS, () =>
      fetchWithRetry(
        () =>
          fetchGitSource({
            url: resolveSourceUrl(home, spec.url ?? ""),
            cloneDir,
            ...(spec.ref ? { ref: spec.ref } : {}),
            ...(spec.path ? { path: spec.path } : {}),
            ...clientOpts,
          }),
        opts.retries ?? 2,
      ),
    );
  } catch (err) {
    if (err instanceof GitRefError) return { reason: Reason.RefNotFound, message: err.message };
    if (err instanceof GitPathError) return { reason: Reason.PathNotFound, message: err.message };
    return { reason: Reason.FetchFailed, message: (err as Error).message };
  }
  return {
    revision: rev.commit,
    commit: rev.commit,
    ref: rev.ref,
    root: cloneDir,
    // Paths shown and recorded are relative to the repository root, as a pull request shows them.
    read: () => readGitManifests(cloneDir, rev.commit, rev.path),
  };
}

/** Checks the clone out at `commit` (the one applied), detached, unless it is there already or there is no clone. */
export async function checkoutAppliedCommit(home: Home, spec: SourceSpec, commit: string, opts: GitFetchOptions = {}): Promise<void> {
  const cloneDir = cloneDirOf(home, spec.name);
  if (!existsSync(join(cloneDir, ".git"))) return;
  await withCloneLock(cloneDir, LOCK_TIMEOUT_MS, () => checkoutCommit(cloneDir, commit, opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}));
}

/** The manifests of `commit` under `path`, from the object database; binary files become diagnostics. */
async function readGitManifests(cloneDir: string, commit: string, path: string): Promise<SourceFiles> {
  const files: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const blob of await readTreeBlobs(cloneDir, commit, path)) {
    const read = manifestFromBytes(blob.bytes, blob.file);
    if ("diagnostic" in read) diagnostics.push(read.diagnostic);
    else files.push(read);
  }
  return { files, diagnostics };
}

/** Only network failures are retried; a missing ref or path will not appear by waiting a second. */
async function fetchWithRetry<T>(attempt: () => Promise<T>, retries: number): Promise<T> {
  if (retries <= 0) return attempt();
  const { retryPromise } = await import("../../runtime/backoff.js");
  return retryPromise(() => attempt(), { maxRetries: retries, initialDelayMs: 200, shouldRetry: (e) => e instanceof GitFetchError });
}
