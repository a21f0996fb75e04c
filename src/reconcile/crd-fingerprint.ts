/**
 * @module The identity of a set of CustomResourceDefinitions: per-document
 * validation holds for one such set, and is redone when it changes.
 */
import { createHash } from "node:crypto";
import type { Resource } from "../resources/types.js";
import { canonicalJson } from "../store/canonical.js";

export const CRD_KIND = "CustomResourceDefinition";

export function crdFingerprint(crds: readonly Resource[]): string {
  if (crds.length === 0) return "";
  return createHash("sha256")
    .update(canonicalJson(crds.map((c) => [c.metadata?.name ?? null, c.spec ?? null])))
    .digest("hex");
}
