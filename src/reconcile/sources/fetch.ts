/**
 * @module Reading a source of either type at its current revision. The git
 * client is loaded only for git sources, so a directory pass stays light.
 */
import type { Home } from "../../store/home.js";
import type { SourceSpec } from "../../store/source-store.js";
import { readDirectorySource } from "./dir-source.js";
import type { GitFetchOptions } from "./git-source.js";
import type { FetchedRevision, FetchFailure } from "./types.js";

export type FetchOptions = GitFetchOptions;

export async function fetchSourceRevision(home: Home, spec: SourceSpec, opts: FetchOptions = {}): Promise<FetchedRevision | FetchFailure> {
  if (spec.type !== "git") return readDirectorySource(home, spec);
  const { fetchGitRevision } = await import("./git-source.js");
  return fetchGitRevision(home, spec, opts);
}
