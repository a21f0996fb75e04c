/**
 * @module What a CustomResourceDefinition adds to the kind registry.
 */
import { KindRegistry, type CustomKindDefinition } from "./kinds.js";
import type { Resource } from "./types.js";

export function customKindOf(crd: Pick<Resource, "spec">): CustomKindDefinition | undefined {
  const s = crd.spec as Record<string, unknown>;
  if (typeof s["kind"] !== "string" || typeof s["group"] !== "string") return undefined;
  const versions = Array.isArray(s["versions"])
    ? (s["versions"] as unknown[]).flatMap((v) => (v && typeof v === "object" && typeof (v as Record<string, unknown>)["name"] === "string" ? [(v as Record<string, string>)["name"]!] : []))
    : [];
  return {
    kind: s["kind"],
    plural: typeof s["plural"] === "string" ? s["plural"] : `${s["kind"].toLowerCase()}s`,
    shortNames: Array.isArray(s["short_names"]) ? (s["short_names"] as unknown[]).filter((x): x is string => typeof x === "string") : [],
    group: s["group"],
    versions,
  };
}

export function registryWith(crds: readonly Pick<Resource, "spec">[]): KindRegistry {
  return new KindRegistry(crds.flatMap((c) => customKindOf(c) ?? []));
}
