/**
 * @module Loading the desired set: read files, parse them with positions,
 * place each document in its project and validate the whole set at once.
 */
import type { Diagnostic } from "../resources/diagnostics.js";
import { loadManifestPaths } from "../resources/load.js";
import { DesiredSetCache, type BuildOptions, type DesiredSet, type SourceFile } from "./desired-cache.js";

export { DesiredSetCache, type DesiredSet, type SourceFile } from "./desired-cache.js";

export type DesiredSetOptions = BuildOptions;

export function loadDesiredSet(paths: readonly string[], cwd: string, opts: DesiredSetOptions = {}): DesiredSet {
  const loaded = loadManifestPaths(paths, cwd);
  return parseDesiredFiles(loaded.files, opts, loaded.diagnostics);
}

/** Parses and validates already-read files (directories, git trees, stdin). */
export function parseDesiredFiles(files: readonly SourceFile[], opts: DesiredSetOptions = {}, initial: Diagnostic[] = []): DesiredSet {
  return new DesiredSetCache().build(files, opts, initial);
}
