/**
 * @module The state folder `.orchestrator/`: found like `.git` (nearest
 * ancestor that has one), overridden by ORCHESTRATOR_HOME, created by init.
 * Finding it lives in home-location.ts, which loads no store code.
 */
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { join, resolve } from "node:path";
import { HOME_DIR_NAME, HOME_ENV, homeAt, storeUrlOf, type Home } from "./home-location.js";
import { generateKey, keyedHash, readKey } from "./secret-crypto.js";
import { openStore } from "./open.js";
import { isPostgresUrl, redactUrl } from "./postgres/open.js";

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
  "store-url",
];

/** A home pointed at a store it cannot use: a different database, or a key other than the store's. */
export class StoreSetupError extends Error {
  override readonly name = "StoreSetupError";
}

/** Meta key of a keyed hash of a fixed text: which key sealed this store's secrets, without the key. */
export const SECRET_KEY_CHECK_META = "secret_key_check";
const KEY_CHECK_TEXT = "orchestrator secret key check";

/**
 * Creates the state folder under `root` (or where ORCHESTRATOR_HOME points),
 * its .gitignore, the key file and the schema. Safe to run again: the key is
 * never overwritten and missing .gitignore entries are appended.
 * `created` is true when the database did not exist before.
 */
export function initHome(root: string, env: NodeJS.ProcessEnv = process.env, storeUrl?: string): { home: Home; created: boolean } {
  const override = env[HOME_ENV];
  const home = homeAt(override ? resolve(root, override) : join(resolve(root), HOME_DIR_NAME));
  if (storeUrl !== undefined) return initSharedHome(home, storeUrl, env);
  const url = storeUrlOf(home, env);
  if (url !== undefined) return initSharedHome(home, url, env);
  const created = !existsSync(home.dbPath);
  mkdirSync(home.dir, { recursive: true });
  writeGitignore(join(home.dir, ".gitignore"));
  writeKeyIfMissing(home.keyPath);
  openStore(home).close();
  return { home, created };
}

/**
 * A home whose store is a PostgreSQL database other hosts share: the URL is
 * kept in `store-url` (readable by the owner only: it may hold a password),
 * and every home on the database must hold the same secret key, which the
 * first one records a check of.
 */
function initSharedHome(home: Home, url: string, env: NodeJS.ProcessEnv): { home: Home; created: boolean } {
  if (!isPostgresUrl(url)) throw new StoreSetupError(`--store takes a PostgreSQL URL (postgres://user@host:port/database), got '${redactUrl(url)}'`);
  if (existsSync(home.dbPath)) {
    throw new StoreSetupError(
      `${home.dir} already keeps its store in state.db; to move it to ${redactUrl(url)}, run \`orchestrator db migrate --to URL\` (it copies the whole store into the empty database, then points this home at it)`,
    );
  }
  const existing = storeUrlOf(home, { ...env, ORCHESTRATOR_STORE_URL: "" });
  if (existing !== undefined && existing !== url) {
    throw new StoreSetupError(`${home.dir} already uses the store at ${redactUrl(existing)}; remove ${home.storeUrlPath} first to point it at ${redactUrl(url)}`);
  }
  mkdirSync(home.dir, { recursive: true });
  writeGitignore(join(home.dir, ".gitignore"));
  const store = openStore(home, {}, url);
  let created = false;
  try {
    const check = store.getMeta(SECRET_KEY_CHECK_META);
    if (!existsSync(home.keyPath)) {
      if (check !== undefined) {
        throw new StoreSetupError(
          `the store at ${store.path} already holds secrets sealed with another home's key; copy secret.key from a home that uses this store to ${home.keyPath} (mode 0600), then run init again`,
        );
      }
      writeKeyIfMissing(home.keyPath);
    }
    const mine = secretKeyCheck(home);
    if (check === undefined) {
      store.setMeta(SECRET_KEY_CHECK_META, mine);
      created = true;
    } else if (check !== mine) {
      throw new StoreSetupError(`${home.keyPath} is not the key the store at ${store.path} seals secrets with; copy secret.key from a home that uses this store`);
    }
  } finally {
    store.close();
  }
  if (existing === undefined && !env.ORCHESTRATOR_STORE_URL) writeFileSync(home.storeUrlPath, `${url}\n`, { mode: 0o600 });
  return { home, created };
}

/** What a shared store records of the key its secrets are sealed with (a keyed hash, never the key), under SECRET_KEY_CHECK_META. */
export function secretKeyCheck(home: Home): string {
  return keyedHash(readKey(home.keyPath), KEY_CHECK_TEXT);
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
