/**
 * @module Protected files: what the files matching an invariant's globs
 * held when the task started, and which of them a step has since created,
 * changed or deleted. Only the directories a glob can reach are read (the
 * part before its first wildcard), so `.github/workflows/*` reads one
 * directory, not the workspace.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import picomatch from "picomatch";

/** Relative path (with `/`) -> content hash. */
export type FileBaseline = Record<string, string>;

/** Directories never walked: git's own data and the orchestrator's state folder. */
const SKIP = new Set([".git", ".orchestrator"]);

function staticPrefix(glob: string): string {
  const parts = glob.split("/");
  const fixed: string[] = [];
  for (const p of parts.slice(0, -1)) {
    if (/[*?[\]{}!]/.test(p)) break;
    fixed.push(p);
  }
  return fixed.join("/");
}

function hashOf(path: string): string | undefined {
  try {
    return createHash("sha256").update(readFileSync(path)).digest("hex");
  } catch {
    return undefined;
  }
}

function walk(root: string, dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (SKIP.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(root, p, out);
    else if (e.isFile()) out.push(relative(root, p).split(sep).join("/"));
  }
}

/** Hashes of the files under `root` that match any of `globs`. */
export function protectedBaseline(root: string, globs: readonly string[]): FileBaseline {
  const out: FileBaseline = {};
  if (globs.length === 0) return out;
  const match = picomatch([...globs], { dot: true });
  const candidates = new Set<string>();
  for (const g of globs) {
    const prefix = staticPrefix(g);
    const start = prefix ? join(root, prefix) : root;
    let isDir = false;
    try {
      isDir = statSync(start).isDirectory();
    } catch {
      continue;
    }
    const found: string[] = [];
    if (isDir) walk(root, start, found);
    for (const f of found) candidates.add(f);
    // A glob without a wildcard names one file.
    if (!/[*?[\]{}!]/.test(g)) candidates.add(g);
  }
  for (const f of candidates) {
    if (!match(f)) continue;
    const h = hashOf(join(root, f));
    if (h !== undefined) out[f] = h;
  }
  return out;
}

/** Files matching the globs that were created, changed or deleted since the baseline. */
export function changedProtectedFiles(root: string, globs: readonly string[], baseline: FileBaseline): string[] {
  const now = protectedBaseline(root, globs);
  const changed = new Set<string>();
  for (const [f, h] of Object.entries(now)) if (baseline[f] !== h) changed.add(f);
  for (const f of Object.keys(baseline)) if (!(f in now)) changed.add(f);
  return [...changed].sort();
}
