/**
 * @module The keyring's key files: written once, owner-only, never
 * overwritten; destroyed by overwriting before unlinking; known by a short
 * fingerprint.
 */
import { createHash } from "node:crypto";
import { chmodSync, closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { generateKey } from "./secret-crypto.js";

/** A new key at `path`, which must not exist yet. */
export function writeKeyFile(path: string): void {
  const fd = openSync(path, "wx", 0o600);
  try {
    writeFileSync(fd, generateKey());
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600);
}

/** Overwrites the key with zeros before removing it, so its bytes do not linger in the file's blocks. */
export function destroyKeyFile(path: string): void {
  if (!existsSync(path)) return;
  try {
    const fd = openSync(path, "r+");
    try {
      writeSync(fd, Buffer.alloc(64));
    } finally {
      closeSync(fd);
    }
  } catch {
    // Unlinking is what matters.
  }
  rmSync(path, { force: true });
}

/** First 16 hex digits of the file's sha256; null when it cannot be read (revoked, lost). */
export function fingerprintOf(path: string): string | null {
  try {
    return createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16);
  } catch {
    return null;
  }
}
