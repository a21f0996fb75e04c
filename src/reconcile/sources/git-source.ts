/**
 * @module A git source: a clone under `.orchestrator/sources/<name>`,
 * fetched on every pass (a force-pushed branch is followed), the resolved
 * commit checked out detached. A fetch that fails is retried with backoff
 * within the pass; after that the pass stops with FetchFailed and the last
 * applied state stays.
 */
import { join } from "node:path";
import type { Home } from "../../store/home.js";
import type { SourceSpec } from "../../store/source-store.js";
import { Reason } from "../conditions.js";
import { fetchGitSource, GitFetchError, GitPathError, GitRefError, type GitSourceRevision } from "../git/index.js";
import { withCloneLock } from "./clone-lock.js";
import { readManifestTree } from "./read-files.js";
import { cloneDirOf } from "./spec.js";
import type { FetchedRevision, FetchFailure } from "./types.js";

export interface GitFetchOptions {
  /** Retries of a failed fetch within the pass (backoff from 200 ms). Default 2. */
  retries?: number;
  /** A clone or fetch that prints nothing for this long is killed. */
  timeoutMs?: number;
}

export async function fetchGitRevision(home: Home, spec: SourceSpec, opts: GitFetchOptions = {}): Promise<FetchedRevision | FetchFailure> {
  const cloneDir = cloneDirOf(home, spec.name);
  let rev: GitSourceRevision;
  try {
    rev = await withCloneLock(cloneDir, 10 * 60_000, () =>
      fetchWithRetry(
        () =>
          fetchGitSource({
            url: spec.url ?? "",
            cloneDir,
            ...(spec.ref ? { ref: spec.ref } : {}),
            ...(spec.path ? { path: spec.path } : {}),
            ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
          }),
        opts.retries ?? 2,
      ),
    );
  } catch (err) {
    if (err instanceof GitRefError) return { reason: Reason.RefNotFound, message: err.message };
    if (err instanceof GitPathError) return { reason: Reason.PathNotFound, message: err.message };
    return { reason: Reason.FetchFailed, message: (err as Error).message };
  }
  // Paths shown and recorded are relative to the repository root, as a pull request shows them.
  return { revision: rev.commit, commit: rev.commit, ref: rev.ref, root: rev.dir, read: () => readManifestTree(rev.dir, cloneDir) };
}

/** Only network failures are retried; a missing ref or path will not appear by waiting a second. */
async function fetchWithRetry<T>(attempt: () => Promise<T>, retries: number): Promise<T> {
  if (retries <= 0) return attempt();
  const { retryPromise } = await import("../../runtime/backoff.js");
  return retryPromise(() => attempt(), { maxRetries: retries, initialDelayMs: 200, shouldRetry: (e) => e instanceof GitFetchError });
}
