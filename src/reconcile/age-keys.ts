/**
 * @module The age identity the controller decrypts `ENC[age,...]` values
 * with: the file ORCHESTRATOR_AGE_KEY_FILE names, else `.orchestrator/age.key`
 * (kept out of git by the state folder's .gitignore). The file holds one or
 * more `AGE-SECRET-KEY-1...` lines, as `age-keygen` writes them; `#` lines
 * are comments.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const AGE_KEY_ENV = "ORCHESTRATOR_AGE_KEY_FILE";
export const AGE_KEY_FILE = "age.key";

export class AgeKeyError extends Error {
  override name = "AgeKeyError";
}

/** Where the identity is looked for: the env variable's file, else the state folder's. */
export function ageKeyPath(homeDir: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env[AGE_KEY_ENV];
  if (fromEnv) return fromEnv;
  return homeDir === undefined ? undefined : join(homeDir, AGE_KEY_FILE);
}

/** The identities in the key file; throws AgeKeyError saying where they were looked for. */
export function readAgeIdentities(homeDir: string | undefined, env: NodeJS.ProcessEnv = process.env): { path: string; identities: string[] } {
  const path = ageKeyPath(homeDir, env);
  if (path === undefined || !existsSync(path)) {
    throw new AgeKeyError(`no age identity: ${path ?? "no state folder"} does not exist; set ${AGE_KEY_ENV} to the key file, or create one with \`orchestrator secret age-keygen\``);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new AgeKeyError(`cannot read the age key file ${path}: ${(err as Error).message}`);
  }
  const identities = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const bad = identities.find((l) => !l.startsWith("AGE-SECRET-KEY-"));
  if (bad !== undefined || identities.length === 0) throw new AgeKeyError(`the age key file ${path} holds no AGE-SECRET-KEY-1... line${bad !== undefined ? " (or a line that is not one)" : ""}`);
  return { path, identities };
}
