/**
 * @module Sealing SecretStore values at rest: AES-256-GCM per value with the
 * store's active key, and an HMAC so a secret's content hash cannot be
 * brute-forced offline. A sealed value names the key that sealed it
 * (`v2:<key id>:...`), so values sealed before a rotation still open;
 * `v1:` values, from before keys had ids, were sealed with key `k1`
 * (`.orchestrator/secret.key`). See secret-key-store.ts for the keyring.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { JsonObject, JsonValue } from "../resources/types.js";
import { RevokedKeyError, SecretKeyError } from "./errors.js";

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const FORMAT = "v1";
const FORMAT_WITH_ID = "v2";
/** The key every `v1:` value was sealed with: the key file `init` writes. */
export const FIRST_KEY_ID = "k1";

/** What a sealed value is stored as, in place of the plaintext value. */
export type SealedValue = { $enc: string };

/** The keys values are sealed with (the active one) and opened with (any, by id). */
export interface Keyring {
  active: { id: string; key: Buffer };
  /** Throws SecretKeyError when the key is revoked or its file is gone. */
  keyFor(id: string): Buffer;
}

/** A bare key is key `k1` alone, sealing in the `v1:` format. */
type KeyArg = Buffer | Keyring;

function ringOf(k: KeyArg): Keyring | undefined {
  return Buffer.isBuffer(k) ? undefined : k;
}

export function generateKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

export function readKey(path: string): Buffer {
  let key: Buffer;
  try {
    key = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SecretKeyError(
      code === "ENOENT"
        ? `secret key file ${path} is missing; restore it from a backup (secrets sealed with the old key cannot be read without it), or run \`orchestrator init\` to create a new one`
        : `cannot read secret key file ${path}: ${(err as Error).message}`,
    );
  }
  if (key.length !== KEY_BYTES) {
    throw new SecretKeyError(`secret key file ${path} holds ${key.length} bytes, expected ${KEY_BYTES}; restore it from a backup`);
  }
  return key;
}

export function isSealed(v: JsonValue | undefined): v is SealedValue {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === "$enc" && typeof v.$enc === "string" && (v.$enc.startsWith(`${FORMAT}:`) || v.$enc.startsWith(`${FORMAT_WITH_ID}:`));
}

/** The id of the key a value was sealed with. */
export function sealedKeyId(sealed: SealedValue): string {
  if (sealed.$enc.startsWith(`${FORMAT_WITH_ID}:`)) return sealed.$enc.split(":")[1] ?? "";
  return FIRST_KEY_ID;
}

/** Ids of the keys that sealed the values of a stored (sealed) spec, with how many each. */
export function sealedKeyIds(spec: JsonObject, out: Map<string, number> = new Map()): Map<string, number> {
  const visit = (v: JsonValue | undefined): void => {
    if (isSealed(v)) out.set(sealedKeyId(v), (out.get(sealedKeyId(v)) ?? 0) + 1);
    else if (v !== null && typeof v === "object" && !Array.isArray(v)) for (const x of Object.values(v)) visit(x);
  };
  for (const v of Object.values(spec)) visit(v);
  return out;
}

/**
 * Encrypts the JSON of a value. `aad` binds the ciphertext to the field it
 * belongs to, so moving a sealed value to another field fails to open.
 */
export function sealValue(keys: KeyArg, value: JsonValue, aad: string): SealedValue {
  const ring = ringOf(keys);
  const key = ring ? ring.active.key : (keys as Buffer);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  const head = ring ? [FORMAT_WITH_ID, ring.active.id] : [FORMAT];
  return { $enc: [...head, iv.toString("base64"), tag.toString("base64"), ct.toString("base64")].join(":") };
}

/** `where` names the value in errors (`SecretStore default/api data.TOKEN`); never the value. */
export function openValue(keys: KeyArg, sealed: SealedValue, aad: string, where: string): JsonValue {
  const parts = sealed.$enc.split(":");
  const withId = parts[0] === FORMAT_WITH_ID;
  const [iv, tag, ct] = withId ? parts.slice(2) : parts.slice(1);
  if ((parts[0] !== FORMAT && !withId) || iv === undefined || tag === undefined || ct === undefined) {
    throw new SecretKeyError(`cannot decrypt ${where}: unknown sealed value format`);
  }
  const id = withId ? parts[1]! : FIRST_KEY_ID;
  const ring = ringOf(keys);
  let key: Buffer;
  try {
    key = ring ? ring.keyFor(id) : (keys as Buffer);
  } catch (err) {
    if (err instanceof RevokedKeyError) throw new RevokedKeyError(`cannot decrypt ${where}: ${err.message}`);
    if (err instanceof SecretKeyError) throw new SecretKeyError(`cannot decrypt ${where}: ${err.message}`);
    throw err;
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    const text = Buffer.concat([decipher.update(Buffer.from(ct, "base64")), decipher.final()]).toString("utf8");
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new SecretKeyError(
      `cannot decrypt ${where}: the secret key file is not the one this value was sealed with, or the stored value is corrupt; restore the original key file, or re-apply the SecretStore`,
    );
  }
}

/** Seals each value of `spec.data` (or the whole of `data` when it is not a mapping). */
export function sealSecretSpec(key: KeyArg, spec: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [field, value] of Object.entries(spec)) {
    // A field beside `data` is refused by validation; should one reach the store anyway, it is sealed whole.
    if (field !== "data") out[field] = sealValue(key, value, field);
    else if (value === null || typeof value !== "object" || Array.isArray(value)) out[field] = sealValue(key, value, "data");
    else {
      const sealed: JsonObject = {};
      for (const [name, v] of Object.entries(value)) sealed[name] = sealValue(key, v, `data.${name}`);
      out[field] = sealed;
    }
  }
  return out;
}

/** Reverses `sealSecretSpec`; `where` names the resource in errors. */
export function openSecretSpec(key: KeyArg, spec: JsonObject, where: string): JsonObject {
  const out: JsonObject = {};
  for (const [field, value] of Object.entries(spec)) {
    if (isSealed(value)) out[field] = openValue(key, value, field, `${where} ${field}`);
    else if (field === "data" && value !== null && typeof value === "object" && !Array.isArray(value)) {
      const opened: JsonObject = {};
      for (const [name, v] of Object.entries(value)) opened[name] = isSealed(v) ? openValue(key, v, `data.${name}`, `${where} data.${name}`) : v;
      out[field] = opened;
    } else out[field] = value;
  }
  return out;
}

/** HMAC-SHA256 of text with the store key, hex. */
export function keyedHash(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("hex");
}
