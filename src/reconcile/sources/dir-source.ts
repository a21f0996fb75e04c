/**
 * @module A directory source: its revision is the digest of every manifest
 * file's path and content, so an unchanged tree is recognised without
 * parsing anything, and (with the stat cache) without reading anything. A
 * directory that does not exist is not ready (nothing applied, nothing
 * pruned), not an error.
 */
import { mkdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { Diagnostic } from "../../resources/diagnostics.js";
import type { Home } from "../../store/home.js";
import type { SourceSpec } from "../../store/source-store.js";
import { Reason } from "../conditions.js";
import type { SourceFile } from "../desired-cache.js";
import { filesRevision } from "../digest.js";
import { manifestPaths, readManifestFile, shownPath } from "./read-files.js";
import { StatCache, statOf, type StatEntry } from "./stat-cache.js";
import type { FetchedRevision, FetchFailure, SourceFiles } from "./types.js";

/** The absolute directory of a dir source: relative paths are from the project root. */
export function sourceDirectory(home: Home, spec: Pick<SourceSpec, "dir">): string {
  const dir = spec.dir ?? "manifests";
  return isAbsolute(dir) ? dir : resolve(join(home.root, dir));
}

/** Where a source's stat cache is kept between processes. */
export function statCachePath(home: Home, sourceName: string): string {
  const dir = join(home.dir, "sources");
  if (!isDirectory(dir)) mkdirSync(dir, { recursive: true });
  return join(dir, `${sourceName}.files.json`);
}

export function readDirectorySource(home: Home, spec: SourceSpec): FetchedRevision | FetchFailure {
  const root = sourceDirectory(home, spec);
  if (!isDirectory(root)) {
    const loop = statErrorCode(root) === "ELOOP";
    return { reason: Reason.PathNotFound, message: loop ? `directory ${spec.dir ?? root} is a symbolic link loop (ELOOP); fix or remove the link` : `directory ${spec.dir ?? root} does not exist; create it and add manifests` };
  }
  const scan = scanDirectory(root, new StatCache(statCachePath(home, spec.name)));
  return { revision: filesRevision(scan.revisionParts), root, read: () => scan.read() };
}

interface Scan {
  /** Every file with its digest, unreadable ones too (so adding a binary file is a new revision). */
  revisionParts: { file: string; digest: string }[];
  read(): SourceFiles;
}

/**
 * Digests of every file, from the stat cache where the stat is unchanged;
 * texts are read only when the pass needs them (when the revision is new).
 */
function scanDirectory(root: string, cache: StatCache): Scan {
  const digests: { file: string; digest: string; abs: string }[] = [];
  const revisionParts: { file: string; digest: string }[] = [];
  const texts = new Map<string, SourceFile>();
  const diagnostics: Diagnostic[] = [];
  const entries = new Map<string, StatEntry>();
  let readAny = false;
  for (const abs of manifestPaths(root)) {
    const file = shownPath(root, abs);
    const stat = statOf(abs);
    const known = stat && cache.digestIfUnchanged(file, stat);
    if (known) {
      digests.push({ file, digest: known, abs });
      revisionParts.push({ file, digest: known });
      entries.set(file, { stat: stat.key, digest: known });
      continue;
    }
    readAny = true;
    const read = readManifestFile(abs, file);
    if ("diagnostic" in read) {
      diagnostics.push(read.diagnostic);
      revisionParts.push({ file, digest: `!${read.diagnostic.code}` });
      continue;
    }
    digests.push({ file, digest: read.digest!, abs });
    revisionParts.push({ file, digest: read.digest! });
    texts.set(file, read);
    if (stat) entries.set(file, { stat: stat.key, digest: read.digest! });
  }
  cache.replace(entries, readAny);
  return {
    revisionParts,
    read(): SourceFiles {
      const files: SourceFile[] = [];
      const all = [...diagnostics];
      for (const d of digests) {
        const have = texts.get(d.file);
        const read = have ?? readManifestFile(d.abs, d.file);
        if ("diagnostic" in read) all.push(read.diagnostic);
        else files.push(read);
      }
      return { files, diagnostics: all };
    },
  };
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function statErrorCode(path: string): string | undefined {
  try {
    statSync(path);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
}

/** Dot-folders and dot-files under `root` (editor swap files, .git) are not manifests: changes there are ignored. */
export function isHiddenPath(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && rel.split(/[\\/]/).some((seg) => seg.startsWith("."));
}
