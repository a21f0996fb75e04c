/**
 * @module How a stored resource is shown in `get -o json|yaml` and `export`:
 * the manifest envelope, with store facts added only where asked for.
 */
import { isProjectScoped } from "../../resources/kinds.js";
import { redactSpec } from "../../resources/redact.js";
import type { JsonObject } from "../../resources/types.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import type { StoredResource } from "../../store/store.js";

export interface ViewOptions {
  /** Add generation, timestamps and origin (get), or keep only what apply takes (export). */
  storeFields: boolean;
  revealSecrets?: boolean;
}

export function resourceView(r: StoredResource, opts: ViewOptions): JsonObject {
  const metadata: JsonObject = { name: r.metadata.name };
  if (isProjectScoped(r.kind) && (opts.storeFields || r.metadata.project !== DEFAULT_PROJECT)) metadata["project"] = r.metadata.project;
  if (r.metadata.description !== undefined) metadata["description"] = r.metadata.description;
  if (r.metadata.labels && Object.keys(r.metadata.labels).length) metadata["labels"] = r.metadata.labels;
  if (r.metadata.annotations && Object.keys(r.metadata.annotations).length) metadata["annotations"] = r.metadata.annotations;
  if (opts.storeFields) {
    // An implicit project (one that exists because resources live in it) has no record, hence no generation.
    if (r.origin.appliedBy !== "implicit") metadata["generation"] = r.generation;
    if (r.createdAt) metadata["createdAt"] = r.createdAt;
    if (r.updatedAt) metadata["updatedAt"] = r.updatedAt;
    metadata["appliedBy"] = r.origin.appliedBy;
  }
  const view: JsonObject = {
    apiVersion: r.apiVersion,
    kind: r.kind,
    metadata,
    spec: opts.revealSecrets ? r.spec : redactSpec(r.kind, r.spec),
  };
  if (opts.storeFields && r.status) view["status"] = r.status;
  return view;
}
