/**
 * @module The state folder `.orchestrator/`: found like `.git` (nearest
 * ancestor that has one), overridden by ORCHESTRATOR_HOME, created by init.
 */
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { generateKey } from "./secret-crypto.js";
import { openStore } from "./sqlite/open.js";

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

/** Runtime files that never belong in git; `config.yaml` is left to commit. */
export const GITIGNORE_ENTRIES: readonly string[] = [
  "state.db*",
  "logs/",
  "status/",
  "spill/",
  "sources/",
  "secret.key",
  "controller.*",
];

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

/**
 * Creates the state folder under `root` (or where ORCHESTRATOR_HOME points),
 * its .gitignore, the key file and the schema. Safe to run again: the key is
 * never overwritten and missing .gitignore entries are appended.
 * `created` is true when the database did not exist before.
 */
export function initHome(root: string, env: NodeJS.ProcessEnv = process.env): { home: Home; created: boolean } {
  const override = env[HOME_ENV];
  const home = homeAt(override ? resolve(root, override) : join(resolve(root), HOME_DIR_NAME));
  const created = !existsSync(home.dbPath);
  mkdirSync(home.dir, { recursive: true });
  writeGitignore(join(home.dir, ".gitignore"));
  writeKeyIfMissing(home.keyPath);
  openStore(home).close();
  return { home, created };
}

function writeGitignore(path: string): void {
  if (!existsSync(path)) {
    writeFileSync(path, `# Runtime state written by orchestrator; keep it out of git.\n${GITIGNORE_ENTRIES.join("\n")}\n`);
    return;
  }
  const text = readFileSync(path, "utf8");
  const present = new Set(text.split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_ENTRIES.filter((e) => !present.has(e));
  if (missing.length) appendFileSync(path, `${text.endsWith("\n") || text === "" ? "" : "\n"}${missing.join("\n")}\n`);
}

function writeKeyIfMissing(path: string): void {
  let fd: number;
  try {
    // `wx` fails if the file exists, so a key is never replaced, even by a racing init.
    fd = openSync(path, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return;
    throw err;
  }
  try {
    writeFileSync(fd, generateKey());
  } finally {
    closeSync(fd);
  }
  // The umask can only remove bits, but make the mode exact regardless.
  chmodSync(path, 0o600);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
