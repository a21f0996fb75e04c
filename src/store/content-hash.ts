/**
 * @module Content hashes of resources: sha256 of canonical JSON, keyed with
 * the store key for SecretStore so a stored hash reveals nothing about a secret.
 */
import { createHash } from "node:crypto";
import type { JsonObject } from "../resources/types.js";
import { canonicalJson } from "./canonical.js";
import { keyedHash } from "./secret-crypto.js";

/** The kind whose values are sealed at rest and hashed with a key. */
export const SECRET_KIND = "SecretStore";

/** `key` is called only for SecretStore, so other kinds never need the key file. */
export function contentHash(kind: string, content: JsonObject, key: () => Buffer): string {
  const text = canonicalJson(content);
  if (kind === SECRET_KIND) return keyedHash(key(), text);
  return createHash("sha256").update(text, "utf8").digest("hex");
}
