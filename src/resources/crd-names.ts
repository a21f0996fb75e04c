/**
 * @module The names CustomResourceDefinitions claim — kind, plural, short
 * names — must be unique across CRDs: `get pl` has to mean one kind. A check
 * over the whole desired set and the CRDs already stored (a CRD in the set
 * replaces the stored one of the same name). Names of built-in kinds are
 * checked per document (schemas/crd.ts).
 */
import { formatPath, type Diagnostic } from "./diagnostics.js";
import { isObject } from "./schemas/common.js";
import { claimedNames } from "./schemas/crd.js";
import type { ParsedDocument, Resource } from "./types.js";

const CRD = "CustomResourceDefinition";

interface Holder {
  crd: string;
  /** Where it is written, when it is a document of the set. */
  at?: string;
}

export function crdNameConflicts(documents: readonly ParsedDocument[], stored: readonly Resource[]): Diagnostic[] {
  const docs = documents.filter((d) => d.resource.kind === CRD && isObject(d.resource.spec) && typeof d.resource.metadata?.name === "string");
  if (docs.length === 0) return [];
  const inSet = new Set(docs.map((d) => d.resource.metadata.name));

  // Who holds each name: every CRD of the set, and stored CRDs the set does not replace.
  const holders = new Map<string, Holder[]>();
  const hold = (name: string, h: Holder): void => {
    const list = holders.get(name) ?? [];
    if (!list.some((x) => x.crd === h.crd)) list.push(h);
    holders.set(name, list);
  };
  for (const r of stored) {
    if (r.kind !== CRD || inSet.has(r.metadata.name) || !isObject(r.spec)) continue;
    for (const c of claimedNames(r.spec as Record<string, unknown>)) hold(c.name, { crd: r.metadata.name });
  }
  for (const d of docs) {
    for (const c of claimedNames(d.resource.spec as Record<string, unknown>)) {
      const p = d.positionOf(["spec", ...c.path]);
      hold(c.name, { crd: d.resource.metadata.name, at: `${p.file}:${p.line}:${p.column}` });
    }
  }

  const out: Diagnostic[] = [];
  for (const d of docs) {
    const name = d.resource.metadata.name;
    for (const c of claimedNames(d.resource.spec as Record<string, unknown>)) {
      const others = (holders.get(c.name) ?? []).filter((h) => h.crd !== name);
      if (others.length === 0) continue;
      const by = others.map((h) => `customresourcedefinition/${h.crd}${h.at ? ` at ${h.at}` : ", already applied"}`).join("; ");
      const path = ["spec", ...c.path];
      out.push({
        severity: "error",
        code: "crd",
        resource: `customresourcedefinition/${name}`,
        path: formatPath(path),
        position: d.positionOf(path),
        message: `${c.what} is already claimed by ${by}`,
        hint: "each kind, plural and short name belongs to one CustomResourceDefinition; rename this one, or delete the other first",
      });
    }
  }
  return out;
}
