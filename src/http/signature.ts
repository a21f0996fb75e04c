/**
 * @module Checking a delivery's signature as GitHub signs them: the header
 * holds `sha256=` and the hex HMAC-SHA256 of the raw body, keyed with the
 * shared secret. Every candidate key is tried (a SecretStore holding the old
 * and the new key lets senders rotate without downtime), each compared in
 * constant time, and all of them whatever the outcome, so the time taken
 * does not tell which key, if any, matched.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const PREFIX = "sha256=";
const HEX_LENGTH = 64;

/** True when `header` is `sha256=<hex>` of `body` under one of `keys`. */
export function signatureMatches(body: Uint8Array, header: string | undefined, keys: readonly string[]): boolean {
  if (header === undefined) return false;
  const given = header.trim();
  if (!given.toLowerCase().startsWith(PREFIX)) return false;
  const hex = given.slice(PREFIX.length).toLowerCase();
  if (hex.length !== HEX_LENGTH || !/^[0-9a-f]+$/.test(hex)) return false;
  const claimed = Buffer.from(hex, "hex");
  let matched = false;
  for (const key of keys) {
    if (key === "") continue;
    const expected = createHmac("sha256", key).update(body).digest();
    if (timingSafeEqual(expected, claimed)) matched = true;
  }
  return matched;
}

/** `sha256=<hex>` of `body` under `key`: what a sender puts in the header. */
export function signBody(body: Uint8Array | string, key: string): string {
  return PREFIX + createHmac("sha256", key).update(body).digest("hex");
}
