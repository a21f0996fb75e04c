/**
 * @module Keeping secret values out of everything people read: SecretStore
 * `spec.data` values are replaced before output, and validation never
 * quotes a value anywhere in a SecretStore's spec (a misplaced `values:`
 * block holds secrets too).
 */
import type { JsonObject } from "./types.js";

export const REDACTED = "<redacted>";

/** What stands for a git url's user-info (`https://user:token@host` -> `https://***@host`). */
export const REDACTED_USERINFO = "***";

/** `https://user:token@host/x` -> `https://***@host/x`; scp-style `git@host:x` is left alone (no secret). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, `$1${REDACTED_USERINFO}@`);
}

/** True when a url's user-info is the placeholder output prints in place of credentials. */
export function hasRedactedUserinfo(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/\*\*\*@/i.test(url);
}

export function isSecretKind(kind: string): boolean {
  return kind === "SecretStore";
}

/** True for a path (from the document root) whose values are secret: anything in a SecretStore's spec. */
export function holdsSecretValues(kind: string, path: ReadonlyArray<string | number>): boolean {
  return isSecretKind(kind) && path[0] === "spec";
}

/** Every scalar in a secret subtree, as text, for scrubbing messages. */
export function secretTexts(value: unknown, out: string[] = []): string[] {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) value.forEach((v) => secretTexts(v, out));
  else if (typeof value === "object") Object.values(value).forEach((v) => secretTexts(v, out));
  else out.push(String(value));
  return out;
}

/**
 * A SecretStore value that names where the secret is read (`{valueFrom:
 * {env | file}}`) rather than holding it: shown as it is.
 */
export function isSecretReference(v: unknown): boolean {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  const from = (v as Record<string, unknown>)["valueFrom"];
  if (keys.length !== 1 || from === null || typeof from !== "object" || Array.isArray(from)) return false;
  return Object.entries(from).every(([k, x]) => (k === "env" || k === "file") && typeof x === "string");
}

/**
 * A copy of spec with every SecretStore data value redacted (references
 * shown), and any other spec field (refused by validation, but a store may
 * hold one written before) redacted whole; a Source's url without its
 * credentials; other kinds unchanged.
 */
export function redactSpec(kind: string, spec: JsonObject): JsonObject {
  // A Source's git url may carry credentials (`https://user:token@host/repo.git`): shown as `***@`.
  if (kind === "Source" && typeof spec["url"] === "string") return { ...spec, url: redactUrl(spec["url"]) };
  if (!isSecretKind(kind)) return spec;
  const out: JsonObject = {};
  for (const [field, value] of Object.entries(spec)) {
    if (field === "data" && value && typeof value === "object" && !Array.isArray(value)) {
      const redacted: JsonObject = {};
      for (const [k, v] of Object.entries(value)) redacted[k] = isSecretReference(v) ? v : REDACTED;
      out[field] = redacted;
    } else out[field] = REDACTED;
  }
  return out;
}
