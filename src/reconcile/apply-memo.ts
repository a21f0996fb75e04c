/**
 * @module What `apply -f` remembers of the last set it applied: a digest of
 * the files and the options, the store's resources version as the commit
 * left it, the resources and the warnings. Re-applying the same files to a
 * store no one has changed since is answered from it without parsing:
 * every resource is unchanged. Any write to any resource moves the version,
 * any edit moves the digest, and a new release of the CLI (whose rules may
 * differ) has another digest, so a stale answer cannot be given.
 */
import { createHash } from "node:crypto";
import type { Diagnostic } from "../resources/diagnostics.js";
import type { ResourceKey } from "../resources/types.js";
import type { Store } from "../store/store.js";

const META_KEY = "apply-memo";
const FORMAT = 1;

export interface ApplyMemo {
  digest: string;
  resourcesVersion: number;
  keys: ResourceKey[];
  diagnostics: Diagnostic[];
}

export interface MemoInput {
  files: readonly { file: string; text: string }[];
  project: string | undefined;
  prune: string;
  appliedBy: string;
  /** The CLI's version: validation rules belong to it. */
  version: string;
}

export function applyDigest(input: MemoInput): string {
  const h = createHash("sha256");
  h.update(JSON.stringify([FORMAT, input.version, input.appliedBy, input.project ?? null, input.prune]));
  for (const f of input.files) h.update(`\u0000${f.file}\u0000${f.text.length}\u0000`).update(f.text, "utf8");
  return h.digest("hex");
}

/** The memo for `digest`, if the store is still as that apply left it. */
export function recalledApply(store: Store, digest: string): ApplyMemo | undefined {
  const raw = store.getMeta(META_KEY);
  if (raw === undefined) return undefined;
  let memo: ApplyMemo;
  try {
    memo = JSON.parse(raw) as ApplyMemo;
  } catch {
    return undefined;
  }
  if (memo.digest !== digest || memo.resourcesVersion !== store.resourcesVersion()) return undefined;
  return memo;
}

/** Records the apply; called inside its commit transaction, so the version is the one it left. */
export function rememberApply(store: Store, memo: ApplyMemo): void {
  store.setMeta(META_KEY, JSON.stringify(memo));
}
