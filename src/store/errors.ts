/**
 * @module Errors the store raises, each saying what went wrong and how to fix it.
 */
import type { ResourceKey } from "../resources/types.js";

/** `Agent default/coder`, or `Project alpha` for the unscoped Project kind. */
export function describeKey(key: ResourceKey): string {
  return key.project === "" ? `${key.kind} ${key.name}` : `${key.kind} ${key.project}/${key.name}`;
}

/** A change that does not fit what is stored: create of an existing key, update or delete of a missing one. */
export class ResourceConflictError extends Error {
  override readonly name = "ResourceConflictError";
  constructor(
    readonly key: ResourceKey,
    readonly reason: "exists" | "missing",
    op: "create" | "update" | "delete",
  ) {
    super(
      reason === "exists"
        ? `cannot create ${describeKey(key)}: it already exists (another writer may have created it; re-run to compute a fresh plan)`
        : `cannot ${op} ${describeKey(key)}: it does not exist (another writer may have deleted it; re-run to compute a fresh plan)`,
    );
  }
}

/** The key file is missing, unreadable, malformed, or not the key a value was sealed with. */
export class SecretKeyError extends Error {
  override readonly name: string = "SecretKeyError";
}

/**
 * The value was sealed with a key that was revoked (`secret key revoke
 * --force`): it can never be read again, only replaced by applying its
 * SecretStore again.
 */
export class RevokedKeyError extends SecretKeyError {
  override readonly name = "RevokedKeyError";
}

/** The database was migrated by a newer orchestrator than this one. */
export class StoreVersionError extends Error {
  override readonly name = "StoreVersionError";
  constructor(path: string, found: number, known: number) {
    super(
      `store ${path} has schema version ${found}, but this orchestrator knows versions up to ${known}; upgrade orchestrator to use this store`,
    );
  }
}

/** A write was attempted through a store opened with `{ readonly: true }`. */
export class ReadonlyStoreError extends Error {
  override readonly name = "ReadonlyStoreError";
  constructor(path: string, what: string) {
    super(`cannot ${what}: store ${path} was opened read-only (open it without { readonly: true } to write)`);
  }
}
