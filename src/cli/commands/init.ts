/**
 * @module `orchestrator init`: create the `.orchestrator` store and the
 * source `default` (the directory `manifests/` under the project root; a
 * directory that does not exist yet is simply not ready).
 */
import { existsSync } from "node:fs";
import { relative } from "node:path";
import { DEFAULT_SOURCE } from "../../reconcile/sources/spec.js";
import { sourceDirectory } from "../../reconcile/sources/dir-source.js";
import { initHome, StoreSetupError } from "../../store/home.js";
import { StoreConnectionError } from "../../store/postgres/open.js";
import { CliError } from "../errors.js";
import { SourceExistsError, sourceStoreOf } from "../../store/source-store.js";
import { openStore } from "../../store/open.js";
import { writeOut } from "../output/io.js";

export function initCommand(opts: { store?: string } = {}): void {
  const cwd = process.cwd();
  let initialized: ReturnType<typeof initHome>;
  try {
    initialized = initHome(cwd, process.env, opts.store);
  } catch (err) {
    if (err instanceof StoreSetupError || err instanceof StoreConnectionError) throw new CliError(err.message);
    throw err;
  }
  const { home, created } = initialized;
  const shown = relative(cwd, home.dir) || home.dir;
  const store = openStore(home);
  const where = store.path.startsWith("postgres") ? ` (store: ${store.path})` : "";
  writeOut(created ? `initialized store in ${shown}${where}\n` : `store already initialized in ${shown}${where}\n`);

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
