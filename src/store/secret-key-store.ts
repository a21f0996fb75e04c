/**
 * @module The SecretKeyStore interface: the keys SecretStore values are
 * sealed with at rest, as a keyring. One key is active (new values are
 * sealed with it); a rotation creates a new key (pending), re-seals every
 * value with it in one transaction and makes it active, the old one
 * retired; a retired key that no value needs any more can be revoked (its
 * file destroyed, so it can never decrypt again). Every step is recorded
 * with who took it and when. Key files live in the state folder:
 * `secret.key` (key `k1`, from `init`) and `secret-keys/<id>.key`.
 */
import type { JsonObject } from "../resources/types.js";
import type { Store, StoredResource } from "./store.js";

export type SecretKeyState = "active" | "pending" | "retired" | "revoked";

export interface SecretKeyInfo {
  id: string;
  state: SecretKeyState;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
  revokedAt: string | null;
  /** First 16 hex digits of the key's sha256; null when its file cannot be read (revoked, lost). */
  fingerprint: string | null;
  /** SecretStore values sealed with it now. */
  values: number;
}

export type SecretKeyAction = "created" | "rotation_started" | "rotated" | "revoked";

export interface SecretKeyEvent {
  id: number;
  ts: string;
  action: SecretKeyAction;
  keyId: string;
  actor: string;
  detail: string | null;
}

export interface RotationResult {
  /** The new active key, and the one it replaced (now retired). */
  id: string;
  previous: string;
  /** SecretStore resources and values re-sealed. */
  stores: number;
  values: number;
}

export interface SecretKeyStore {
  listKeys(): SecretKeyInfo[];
  /** Newest last; `limit` keeps the newest. */
  history(filter?: { limit?: number; keyId?: string }): SecretKeyEvent[];
  /** The key a rotation that did not finish left pending, if any. */
  pendingKey(): SecretKeyInfo | undefined;
  /** Writes a new key file and records it pending; throws RotationPendingError when one is pending already. */
  startRotation(actor: string): SecretKeyInfo;
  /**
   * Re-seals every SecretStore value with the pending key and makes it
   * active, in one transaction: either every value moves or none does.
   * `content` gives what a resource's content hash covers (the hash is
   * keyed with the active key, so it is computed again).
   */
  finishRotation(actor: string, content: (r: StoredResource) => JsonObject): RotationResult;
  /** Destroys a retired key's file and records it revoked; refuses one values still need unless `force`. */
  revokeKey(id: string, actor: string, force: boolean): { values: number };
}

export class SecretKeyStoreError extends Error {
  override name = "SecretKeyStoreError";
}

/** A rotation is already pending: finish it (`--resume`) rather than start another. */
export class RotationPendingError extends SecretKeyStoreError {
  override name = "RotationPendingError";
  constructor(readonly keyId: string) {
    super(`a rotation to key ${keyId} did not finish; complete it with \`orchestrator secret key rotate --resume\``);
  }
}

/** Implemented by stores that keep a keyring (both stores do). */
export interface SecretKeyStoreProvider {
  secretKeys(): SecretKeyStore;
}

export function secretKeyStoreOf(store: Store): SecretKeyStore {
  const provider = store as Store & Partial<SecretKeyStoreProvider>;
  if (typeof provider.secretKeys !== "function") throw new Error(`store ${store.path} keeps no keyring`);
  return provider.secretKeys();
}
