/**
 * @module A task's items: the `.md` files under the workspace's
 * `qa_targets`, plus every `--target-file`, as paths relative to the
 * workspace root. Anything outside the root is refused, judged by its real
 * path (symlinks resolved) against the root's real path, so a link inside the
 * workspace that points outside it is no item.
 */
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { TaskSetupError } from "./task-context.js";

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

const insideOrRoot = (root: string, p: string): boolean => p === root || isInside(root, p);

const toItemPath = (root: string, abs: string): string => relative(root, abs).split(sep).join("/");

/** The real path of `p`, or undefined when it does not exist (or is a dangling link). */
function realOf(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/**
 * `.md` files under `dir`, following symlinks only where they resolve inside
 * the real root (each real directory walked once, so link cycles end).
 */
function markdownUnder(dir: string, realRoot: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (d: string, realD: string): void => {
    if (seen.has(realD)) return;
    seen.add(realD);
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      let real = join(realD, e.name);
      if (e.isSymbolicLink()) {
        const target = realOf(p);
        if (target === undefined || !isInside(realRoot, target)) continue;
        real = target;
        const st = statSync(target);
        isDir = st.isDirectory();
        isFile = st.isFile();
      }
      if (isDir) walk(p, real);
      else if (isFile && e.name.endsWith(".md")) out.push(p);
    }
  };
  const realDir = realOf(dir);
  if (realDir !== undefined) walk(dir, realDir);
  return out;
}

/**
 * The item path (relative to the root, `/`-separated) of an existing file,
 * or an error when it does not exist or its real path lies outside the
 * root's real path. `label` names the file in messages.
 */
export function itemPathOf(root: string, abs: string, label: string): string {
  const realRoot = realOf(root) ?? root;
  const real = realOf(abs);
  if (real === undefined) {
    if (!insideOrRoot(root, abs)) throw outside(label, abs, root);
    throw new TaskSetupError(`${label} does not exist`);
  }
  if (!isInside(realRoot, real)) throw outside(label, real, root);
  // The path as given when it is spelled inside the root, else its real path's place there.
  return isInside(root, abs) ? toItemPath(root, abs) : toItemPath(realRoot, real);
}

function outside(label: string, where: string, root: string, fix = "items must live inside the workspace"): TaskSetupError {
  return new TaskSetupError(`${label} is outside the workspace root ${root} (it is ${where}); ${fix}`);
}

const QA_TARGET_FIX = "list only paths inside the workspace root in spec.qa_targets";

/**
 * True when `abs` lies inside `root`, by real paths: the nearest part of
 * `abs` that exists is resolved (symbolic links followed), so a folder that
 * is yet to be created under a link to elsewhere is judged by the link.
 */
export function insideWorkspace(root: string, abs: string): boolean {
  if (!insideOrRoot(root, abs)) return false;
  const realRoot = realOf(root) ?? root;
  let existing = abs;
  let rest = "";
  while (realOf(existing) === undefined && existing !== root) {
    rest = rest ? join(basename(existing), rest) : basename(existing);
    existing = dirname(existing);
  }
  const real = join(realOf(existing) ?? existing, rest);
  return insideOrRoot(realRoot, real);
}

/**
 * Item paths (relative to root, `/`-separated, sorted, unique). A missing
 * qa target contributes nothing; a qa target or target file outside the root,
 * or a target file that does not exist, is an error.
 */
export function collectItemPaths(root: string, qaTargets: readonly string[], targetFiles: readonly string[], cwd: string = root): string[] {
  const realRoot = realOf(root) ?? root;
  const found = new Set<string>();
  for (const t of qaTargets) {
    const abs = resolve(root, t);
    const label = `qa target '${t}' (spec.qa_targets)`;
    if (!insideOrRoot(root, abs)) throw outside(label, abs, root, QA_TARGET_FIX);
    if (!existsSync(abs)) continue;
    const real = realOf(abs) ?? abs;
    if (!insideOrRoot(realRoot, real)) throw outside(label, real, root, QA_TARGET_FIX);
    if (statSync(abs).isDirectory()) {
      for (const p of markdownUnder(abs, realRoot)) found.add(toItemPath(root, p));
    } else if (abs.endsWith(".md")) {
      found.add(toItemPath(root, abs));
    }
  }
  for (const f of targetFiles) {
    const abs = isAbsolute(f) ? f : resolve(cwd, f);
    found.add(itemPathOf(root, abs, `target file '${f}'`));
  }
  return [...found].sort();
}

