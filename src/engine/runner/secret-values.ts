/**
 * @module The secret values a task of a project can reach: every value of
 * the SecretStores of its project and of the default project. Step logs,
 * events and `task info` replace them with `[REDACTED]`, whether or not the
 * step was given them: an agent may print a secret it read some other way.
 */
import { DEFAULT_PROJECT, type JsonValue } from "../../resources/types.js";
import type { Store } from "../../store/store.js";
import { readSecretSource, secretSourceOf, type SecretReadContext } from "../secrets/secret-source.js";

/**
 * Shorter values are left alone: redacting every `1` or `ok` in a log would
 * hide more than it protects. A secret an agent is given through `env` is
 * redacted whatever its length (see agent-env.ts).
 */
export const MIN_REDACTED_LENGTH = 4;

/**
 * Longest first, so a secret that contains another is replaced whole.
 * `valueFrom` references are read as this process sees them; one that
 * cannot be read is left out (a step given it fails to start instead).
 */
export function projectSecretValues(store: Store, project: string, read: SecretReadContext = { env: process.env, baseDir: process.cwd() }): string[] {
  const projects = project === DEFAULT_PROJECT ? [project] : [DEFAULT_PROJECT, project];
  const values = new Set<string>();
  for (const p of projects) {
    for (const r of store.listResources({ project: p, kind: "SecretStore" })) {
      const data: JsonValue | undefined = r.spec["data"];
      if (typeof data !== "object" || data === null || Array.isArray(data)) continue;
      for (const v of Object.values(data)) {
        const text = valueText(v, read);
        if (text === undefined) continue;
        if (text.length >= MIN_REDACTED_LENGTH) values.add(text);
      }
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

function valueText(v: JsonValue, read: SecretReadContext): string | undefined {
  const src = secretSourceOf(v);
  if (!src) return typeof v === "string" ? v : JSON.stringify(v);
  try {
    return readSecretSource(src, "", read);
  } catch {
    return undefined;
  }
}
