/**
 * @module Where the state folder `.orchestrator/` is: found like `.git`
 * (nearest ancestor that has one) or named by ORCHESTRATOR_HOME. Only node
 * built-ins, so commands on a fast path can locate the store without
 * loading it.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const HOME_DIR_NAME = ".orchestrator";
export const HOME_ENV = "ORCHESTRATOR_HOME";
/** A PostgreSQL URL: the store is that database rather than state.db (overrides the home's `store-url`). */
export const STORE_URL_ENV = "ORCHESTRATOR_STORE_URL";
export const STORE_URL_FILE = "store-url";
/**
 * How the controller reaches a shared store: the URL (which may hold a
 * password) and libpq's password variable. Steps never inherit them: an
 * agent has no business holding the store's credentials.
 */
export const STORE_CONNECTION_ENV: readonly string[] = [STORE_URL_ENV, "PGPASSWORD"];

export interface Home {
  /** The project root: the folder that holds the state folder. */
  root: string;
  /** The state folder itself, e.g. /repo/.orchestrator. */
  dir: string;
  dbPath: string;
  keyPath: string;
  /** Holds the PostgreSQL URL `init --store` was given, when the store is a shared database. */
  storeUrlPath: string;
}

/** Where the store was looked for: what NoStoreError names. */
export type StoreSearch =
  /** No `.orchestrator/` in cwd or any parent. */
  | { cwd: string }
  /** ORCHESTRATOR_HOME names a folder that is missing or holds no state.db. */
  | { envDir: string; folderExists?: boolean }
  /** The nearest `.orchestrator/` holds no state.db (made by hand, or left half-removed). */
  | { emptyDir: string };

export class NoStoreError extends Error {
  override readonly name = "NoStoreError";
  constructor(where: StoreSearch) {
    super(noStoreMessage(where));
  }
}

function noStoreMessage(where: StoreSearch): string {
  const init = "run `orchestrator init` to create one";
  if ("cwd" in where) return `no orchestrator store found in ${where.cwd} or any parent directory; ${init}`;
  if ("envDir" in where) {
    const what = where.folderExists ? `${where.envDir} (set by ${HOME_ENV}) holds no state.db` : `no orchestrator store found at ${where.envDir} (set by ${HOME_ENV})`;
    return `${what}; ${init} there, or unset ${HOME_ENV}`;
  }
  return `no orchestrator store in ${where.emptyDir}: the folder holds no state.db; ${init} in ${dirname(where.emptyDir)}`;
}

export function homeAt(dir: string): Home {
  const abs = resolve(dir);
  return { root: dirname(abs), dir: abs, dbPath: join(abs, "state.db"), keyPath: join(abs, "secret.key"), storeUrlPath: join(abs, STORE_URL_FILE) };
}

/** The PostgreSQL URL this home's store lives at (ORCHESTRATOR_STORE_URL, else its `store-url` file), or undefined for state.db. */
export function storeUrlOf(home: Home, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env[STORE_URL_ENV]?.trim();
  if (fromEnv) return fromEnv;
  try {
    return readFileSync(home.storeUrlPath, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The home ORCHESTRATOR_HOME names (relative to cwd), or the nearest ancestor's `.orchestrator/`. */
export function findHome(cwd: string, env: NodeJS.ProcessEnv = process.env): Home | undefined {
  const override = env[HOME_ENV];
  if (override) {
    const home = homeAt(resolve(cwd, override));
    return isDir(home.dir) ? home : undefined;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (isDir(join(dir, HOME_DIR_NAME))) return homeAt(join(dir, HOME_DIR_NAME));
    if (dirname(dir) === dir) return undefined;
  }
}

/** True once `orchestrator init` has made the database; only init creates it. */
export function storeExists(home: Home, env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(home.dbPath) || storeUrlOf(home, env) !== undefined;
}

/**
 * The home of an initialised store, or NoStoreError naming where it looked
 * and saying to run `orchestrator init`. A state folder without state.db is
 * not a store: no command but init creates one.
 */
export function requireHome(cwd: string, env: NodeJS.ProcessEnv = process.env): Home {
  const home = findHome(cwd, env);
  const override = env[HOME_ENV];
  if (home && storeExists(home, env)) return home;
  if (override) throw new NoStoreError({ envDir: resolve(cwd, override), folderExists: home !== undefined });
  throw new NoStoreError(home ? { emptyDir: home.dir } : { cwd: resolve(cwd) });
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
