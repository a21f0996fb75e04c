/**
 * @module What every store-backed command needs: the located `.orchestrator`
 * home and an open store, closed when the command ends.
 */
import { findHome, NoStoreError, type Home } from "../store/home.js";
import { openStore } from "../store/sqlite/open.js";
import type { Store } from "../store/store.js";
import { CliError } from "./errors.js";

export interface CommandContext {
  home: Home;
  store: Store;
  cwd: string;
}

export function requireHome(cwd: string = process.cwd()): Home {
  const home = findHome(cwd, process.env);
  if (!home) throw new CliError(new NoStoreError(cwd).message);
  return home;
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
