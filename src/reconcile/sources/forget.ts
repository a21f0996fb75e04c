/**
 * @module What a source leaves on disk (a git clone, a directory's stat
 * cache), removed once its Source is gone: by `source remove`, `delete`, or
 * a parent source's prune.
 */
import { rmSync } from "node:fs";
import type { Home } from "../../store/home.js";
import { statCachePath } from "./dir-source.js";
import { cloneDirOf } from "./spec.js";

export function forgetSourceFiles(home: Home, name: string): void {
  rmSync(cloneDirOf(home, name), { recursive: true, force: true });
  rmSync(statCachePath(home, name), { force: true });
}
