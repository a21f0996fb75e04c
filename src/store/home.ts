/**
 * @module The state folder `.orchestrator/`: found like `.git` (nearest
 * ancestor that has one), overridden by ORCHESTRATOR_HOME, created by init.
 * Finding it lives in home-location.ts, which loads no store code.
 */
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { join, resolve } from "node:path";
import { HOME_DIR_NAME, HOME_ENV, homeAt, type Home } from "./home-location.js";
import { generateKey } from "./secret-crypto.js";
import { openStore } from "./open.js";

export { findHome, HOME_DIR_NAME, HOME_ENV, homeAt, NoStoreError, requireHome, storeExists, type Home, type StoreSearch } from "./home-location.js";

/** Runtime files that never belong in git; `config.yaml` is left to commit. */
export const GITIGNORE_ENTRIES: readonly string[] = [
  "state.db*",
  "logs/",
  "status/",
  "spill/",
  "sources/",
  "secret.key",
  "secret-keys/",
  "age.key",
  "controller.*",
];

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
