/**
 * @module SecretStore values kept encrypted in a repository, as Flux users
 * keep them with SOPS: a value is `ENC[age,<base64>]`, the base64 of an age
 * file (binary, not armored) whose plaintext is the value. Keys stay in the
 * clear, so a review shows which values changed. `orchestrator secret
 * encrypt -f FILE` writes them; the apply pipeline decrypts them with the
 * age identity the controller holds and stores the plaintext only in the
 * store's own sealed column.
 */

const PATTERN = /^ENC\[age,([A-Za-z0-9+/]+={0,2})\]$/;
const PREFIX = "ENC[";

/** Looks like an encrypted value (well-formed or not): `ENC[...`. */
export function looksEncrypted(v: unknown): v is string {
  return typeof v === "string" && v.startsWith(PREFIX);
}

/** The age ciphertext of a well-formed `ENC[age,...]` value, else undefined. */
export function encryptedPayload(v: string): Uint8Array | undefined {
  const m = PATTERN.exec(v);
  return m ? Buffer.from(m[1]!, "base64") : undefined;
}

export function formatEncrypted(ciphertext: Uint8Array): string {
  return `ENC[age,${Buffer.from(ciphertext).toString("base64")}]`;
}
