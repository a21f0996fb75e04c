/**
 * @module What kind controllers validate beyond the schemas, over the whole
 * desired set: each document is checked by its kind's controller, which may
 * look up other resources in the set or the store.
 */
import { controllerFor } from "../../controllers/registry.js";
import type { ValidationContext } from "../../controllers/types.js";
import type { Diagnostic } from "../resources/diagnostics.js";
import type { ParsedDocument } from "../resources/types.js";
import type { Store } from "../store/store.js";

export function controllerDiagnostics(documents: readonly ParsedDocument[], store: Store | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  let ctx: ValidationContext | undefined;
  for (const doc of documents) {
    const kind = doc.resource.kind;
    if (typeof kind !== "string") continue;
    const controller = controllerFor(kind);
    if (!controller.validate) continue;
    ctx ??= lookupContext(documents, store);
    out.push(...controller.validate(doc, ctx));
  }
  return out;
}

function lookupContext(documents: readonly ParsedDocument[], store: Store | undefined): ValidationContext {
  const desired = new Set<string>();
  for (const d of documents) desired.add(`${d.resource.metadata?.project ?? ""}\u0000${d.resource.kind}\u0000${d.resource.metadata?.name}`);
  const stored = new Map<string, boolean>();
  return {
    exists(kind, project, name) {
      const id = `${project}\u0000${kind}\u0000${name}`;
      if (desired.has(id)) return true;
      if (!store) return false;
      let found = stored.get(id);
      if (found === undefined) {
        found = store.listResourceHeads({ project, kind, name }).length > 0;
        stored.set(id, found);
      }
      return found;
    },
  };
}
