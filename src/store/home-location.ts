/**
 * @module Where the state folder `.orchestrator/` is: found like `.git`
 * (nearest ancestor that has one) or named by ORCHESTRATOR_HOME. Only node
 * built-ins, so commands on a fast path can locate the store without
 * loading it.
 */
import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const HOME_DIR_NAME = ".orchestrator";
export const HOME_ENV = "ORCHESTRATOR_HOME";

export interface Home {
  /** The project root: the folder that holds the state folder. */
  root: string;
  /** The state folder itself, e.g. /repo/.orchestrator. */
  dir: string;
  dbPath: string;
  keyPath: string;
}

export class NoStoreError extends Error {
  override readonly name = "NoStoreError";
  constructor(cwd: string, envDir?: string) {
    super(
      envDir === undefined
        ? `no orchestrator store found in ${cwd} or any parent directory; run \`orchestrator init\` to create one`
        : `no orchestrator store found at ${envDir} (set by ${HOME_ENV}); run \`orchestrator init\` to create one, or unset ${HOME_ENV}`,
    );
  }
}

export function homeAt(dir: string): Home {
  const abs = resolve(dir);
  return { root: dirname(abs), dir: abs, dbPath: join(abs, "state.db"), keyPath: join(abs, "secret.key") };
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

/** findHome, or NoStoreError saying to run `orchestrator init`. */
export function requireHome(cwd: string, env: NodeJS.ProcessEnv = process.env): Home {
  const home = findHome(cwd, env);
  if (home) return home;
  const override = env[HOME_ENV];
  throw new NoStoreError(resolve(cwd), override ? resolve(cwd, override) : undefined);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
