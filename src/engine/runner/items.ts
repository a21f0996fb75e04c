/**
 * @module A task's items: the `.md` files under the workspace's
 * `qa_targets`, plus every `--target-file`, as paths relative to the
 * workspace root. Anything outside the root is refused.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { TaskSetupError } from "./task-context.js";

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

function markdownUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith(".")) walk(p);
      } else if (e.isFile() && e.name.endsWith(".md")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * Item paths (relative to root, `/`-separated, sorted, unique). A missing
 * qa target contributes nothing; a target file outside the root, or one that
 * does not exist, is an error.
 */
export function collectItemPaths(root: string, qaTargets: readonly string[], targetFiles: readonly string[], cwd: string = root): string[] {
  const found = new Set<string>();
  const add = (abs: string): void => {
    found.add(relative(root, abs).split(sep).join("/"));
  };
  for (const t of qaTargets) {
    const abs = resolve(root, t);
    if (!isInside(root, abs) && abs !== root) throw new TaskSetupError(`qa target '${t}' is outside the workspace root ${root}`);
    if (!existsSync(abs)) continue;
    if (statSync(abs).isDirectory()) markdownUnder(abs).forEach(add);
    else if (abs.endsWith(".md")) add(abs);
  }
  for (const f of targetFiles) {
    const abs = isAbsolute(f) ? f : resolve(cwd, f);
    if (!isInside(root, abs)) throw new TaskSetupError(`target file '${f}' is outside the workspace root ${root}; items must live inside the workspace`);
    if (!existsSync(abs)) throw new TaskSetupError(`target file '${f}' does not exist`);
    add(abs);
  }
  return [...found].sort();
}
