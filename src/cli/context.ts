/**
 * @module What every store-backed command needs: the located `.orchestrator`
 * home and an open store, closed when the command ends.
 */
import { NoStoreError, requireHome as locateStore, type Home } from "../store/home-location.js";
import { openStore } from "../store/open.js";
import type { Store } from "../store/store.js";
import { CliError } from "./errors.js";

export interface CommandContext {
  home: Home;
  store: Store;
  cwd: string;
}

/** The home of an initialised store; a usage error saying to run `orchestrator init` otherwise. */
export function requireHome(cwd: string = process.cwd()): Home {
  try {
    return locateStore(cwd, process.env);
  } catch (err) {
    if (err instanceof NoStoreError) throw new CliError(err.message);
    throw err;
  }
}

/** Opens the store for the duration of fn. */
export async function withStore<T>(fn: (ctx: CommandContext) => Promise<T> | T): Promise<T> {
  const cwd = process.cwd();
  const home = requireHome(cwd);
  const store = openStore(home);
  try {
    return await fn({ home, store, cwd });
  } finally {
    store.close();
  }
}
