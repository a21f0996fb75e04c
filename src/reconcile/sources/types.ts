/**
 * @module What reading a source yields: a revision, and the manifest files
 * at it (read lazily, so an unchanged git commit is never read at all).
 */
import type { Diagnostic } from "../../resources/diagnostics.js";
import type { ReasonCode } from "../conditions.js";
import type { SourceFile } from "../desired-cache.js";

export interface SourceFiles {
  files: SourceFile[];
  /** Files that could not be read (binary, unreadable). */
  diagnostics: Diagnostic[];
}

export interface FetchedRevision {
  /** Commit sha (git) or `sha256:<hex>` over the files (dir). */
  revision: string;
  /** Git only: the commit, recorded on every resource applied from it. */
  commit?: string;
  /** Git only: the ref it was resolved from (`refs/heads/main`). */
  ref?: string;
  /** The directory read, absolute (git: the clone). */
  root: string;
  /** Git: read from the object database, so trying a commit never moves the clone's checkout. */
  read(): SourceFiles | Promise<SourceFiles>;
}

/** Why a source could not be read; the last applied state stays. */
export interface FetchFailure {
  reason: ReasonCode;
  message: string;
}

export function isFetchFailure(x: FetchedRevision | FetchFailure): x is FetchFailure {
  return "reason" in x;
}
