/**
 * @module `orchestrator secret key status|list|rotate|revoke|history`: the
 * keys SecretStore values are sealed with at rest (see
 * src/store/secret-key-store.ts). `rotate` re-seals every value with a new
 * key in one transaction; if its process dies first, nothing changed but
 * the new key stays pending, and `rotate --resume` finishes with it.
 */
import { hashedContent, normalized } from "../../reconcile/plan.js";
import type { JsonObject } from "../../resources/types.js";
import { SecretKeyError } from "../../store/errors.js";
import { secretKeyStoreOf, SecretKeyStoreError, type SecretKeyEvent, type SecretKeyInfo } from "../../store/secret-key-store.js";
import { cliUser } from "../actor.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import type { OutputFormat } from "../output/format.js";
import { writeOut } from "../output/io.js";
import { printList, printObject, type ListFlags, type Listing } from "../output/printer.js";

type Output = ListFlags & { output?: OutputFormat };

const when = (t: string | null): string => t ?? "-";

/** `secret key list`: one `kind: SecretKey` item per key (`-o name`: `secretkey/ID`). */
const keyListing: Listing<SecretKeyInfo> = {
  kind: "SecretKey",
  view: (k) => ({ ...k }),
  name: (k) => k.id,
  columns: [
    { header: "ID", value: (k) => k.id },
    { header: "STATE", value: (k) => k.state },
    { header: "CREATED", value: (k) => k.createdAt },
    { header: "ACTIVATED", value: (k) => when(k.activatedAt) },
    { header: "RETIRED", value: (k) => when(k.retiredAt) },
    { header: "REVOKED", value: (k) => when(k.revokedAt) },
    { header: "VALUES", value: (k) => String(k.values) },
    { header: "FINGERPRINT", value: (k) => k.fingerprint ?? "-" },
  ],
};

/** `secret key history`: one `kind: SecretKeyEvent` item per entry, oldest first. */
const historyListing: Listing<SecretKeyEvent> = {
  kind: "SecretKeyEvent",
  view: (e) => ({ ...e }),
  name: (e) => String(e.id),
  columns: [
    { header: "TIME", value: (e) => e.ts },
    { header: "ACTION", value: (e) => e.action },
    { header: "KEY", value: (e) => e.keyId },
    { header: "BY", value: (e) => e.actor },
    { header: "DETAIL", value: (e) => e.detail ?? "" },
  ],
};

/** Errors of the keyring are the user's to act on: a message, never a stack. */
function keyring<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SecretKeyStoreError || err instanceof SecretKeyError) throw new CliError(err.message);
    throw err;
  }
}

export async function secretKeyStatusCommand(opts: Output): Promise<void> {
  await withStore(({ store }) => {
    const keys = secretKeyStoreOf(store).listKeys();
    const active = keys.find((k) => k.state === "active");
    const pending = keys.find((k) => k.state === "pending");
    const elsewhere = keys.filter((k) => k.state === "retired" || k.state === "pending").reduce((n, k) => n + k.values, 0);
    const unreadable = keys.filter((k) => k.state === "revoked").reduce((n, k) => n + k.values, 0);
    const view = { active: (active ?? null) as JsonObject | null, pending: (pending ?? null) as JsonObject | null, keys: keys.length, valuesSealedWithOtherKeys: elsewhere, valuesSealedWithRevokedKeys: unreadable };
    printObject("SecretKeyStatus", view as unknown as JsonObject, "status", opts, () => human(active, pending, keys, elsewhere, unreadable));
  });
}

function human(active: SecretKeyInfo | undefined, pending: SecretKeyInfo | undefined, keys: readonly SecretKeyInfo[], elsewhere: number, unreadable: number): string {
  const lines = [
    active ? `active key:  ${active.id} (since ${active.activatedAt ?? active.createdAt}, fingerprint ${active.fingerprint ?? "<key file missing>"}), ${active.values} value(s) sealed with it` : "active key:  none",
    `keys:        ${keys.length} (${(["active", "pending", "retired", "revoked"] as const).map((s) => `${keys.filter((k) => k.state === s).length} ${s}`).join(", ")})`,
  ];
  if (elsewhere > 0) lines.push(`note:        ${elsewhere} value(s) are sealed with a key that is not active; \`orchestrator secret key rotate\` re-seals them`);
  if (unreadable > 0) lines.push(`unreadable:  ${unreadable} value(s) are sealed with a revoked key and can never be read; apply their SecretStores again`);
  if (pending) lines.push(`pending:     ${pending.id}: a rotation did not finish; \`orchestrator secret key rotate --resume\` completes it`);
  return lines.join("\n") + "\n";
}

export async function secretKeyListCommand(opts: Output): Promise<void> {
  await withStore(({ store }) => {
    printList(keyListing, secretKeyStoreOf(store).listKeys(), opts, { empty: "no secret keys yet; the first SecretStore applied creates one" });
  });
}

export async function secretKeyRotateCommand(opts: { resume?: boolean }): Promise<void> {
  await withStore(({ store }) => {
    const keys = secretKeyStoreOf(store);
    const actor = cliUser();
    keyring(() => {
      if (opts.resume) {
        if (!keys.pendingKey()) throw new CliError("no rotation is pending; `orchestrator secret key rotate` starts one");
      } else keys.startRotation(actor);
      const content = (r: Parameters<typeof normalized>[0]): JsonObject => hashedContent(normalized(r)) as JsonObject;
      const done = keys.finishRotation(actor, content);
      writeOut(`secret key rotated: ${done.id} is active, ${done.previous} retired; ${done.values} value(s) of ${done.stores} SecretStore(s) re-sealed\n`);
    });
  });
}

export async function secretKeyRevokeCommand(id: string, opts: { force?: boolean }): Promise<void> {
  await withStore(({ store }) => {
    const { values } = keyring(() => secretKeyStoreOf(store).revokeKey(id, cliUser(), !!opts.force));
    writeOut(`secret key ${id} revoked: its file is destroyed${values ? `; ${values} value(s) sealed with it can no longer be read (apply their SecretStores again)` : ""}\n`);
  });
}

export async function secretKeyHistoryCommand(opts: Output & { limit?: string; keyId?: string }): Promise<void> {
  let limit: number | undefined;
  if (opts.limit !== undefined) {
    limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`-n must be a positive integer, got '${opts.limit}'`);
  }
  await withStore(({ store }) => {
    const events = secretKeyStoreOf(store).history({ ...(limit !== undefined ? { limit } : {}), ...(opts.keyId !== undefined ? { keyId: opts.keyId } : {}) });
    printList(historyListing, events, opts, { empty: "no secret key history" });
  });
}
