/**
 * @module Keeping secret values out of everything people read: SecretStore
 * `spec.data` values are replaced before output.
 */
import type { JsonObject } from "./types.js";

export const REDACTED = "<redacted>";

export function isSecretKind(kind: string): boolean {
  return kind === "SecretStore";
}

/** A copy of spec with every SecretStore data value redacted; other kinds unchanged. */
export function redactSpec(kind: string, spec: JsonObject): JsonObject {
  if (!isSecretKind(kind)) return spec;
  const data = spec["data"];
  if (!data || typeof data !== "object" || Array.isArray(data)) return spec;
  const redacted: JsonObject = {};
  for (const k of Object.keys(data)) redacted[k] = REDACTED;
  return { ...spec, data: redacted };
}
