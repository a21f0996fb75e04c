/**
 * @module `orchestrator init`: create the `.orchestrator` store and the
 * source `default` (the directory `manifests/` under the project root; a
 * directory that does not exist yet is simply not ready).
 */
import { existsSync } from "node:fs";
import { relative } from "node:path";
import { DEFAULT_SOURCE } from "../../reconcile/sources/spec.js";
import { sourceDirectory } from "../../reconcile/sources/dir-source.js";
import { initHome } from "../../store/home.js";
import { SourceExistsError, sourceStoreOf } from "../../store/source-store.js";
import { openStore } from "../../store/open.js";
import { writeOut } from "../output/io.js";

export function initCommand(): void {
  const cwd = process.cwd();
  const { home, created } = initHome(cwd, process.env);
  const shown = relative(cwd, home.dir) || home.dir;
  writeOut(created ? `initialized store in ${shown}\n` : `store already initialized in ${shown}\n`);

  const store = openStore(home);
  try {
    const sources = sourceStoreOf(store);
    if (sources.getSource(DEFAULT_SOURCE.name)) return;
    try {
      sources.addSource(DEFAULT_SOURCE);
    } catch (err) {
      if (err instanceof SourceExistsError) return; // another init won the race
      throw err;
    }
    const dir = sourceDirectory(home, DEFAULT_SOURCE);
    const where = relative(cwd, dir) || ".";
    writeOut(`source ${DEFAULT_SOURCE.name}: directory ${where}/${existsSync(dir) ? "" : " (does not exist yet; `orchestrator sync` applies it once it does)"}\n`);
  } finally {
    store.close();
  }
}
