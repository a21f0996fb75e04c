/**
 * @module WorkflowStore spec: a named key-value store steps read with
 * `store_inputs` and write with `store_outputs` or a `store_put` post-action.
 */
import { describe, loose, nonEmptyString, nonNegativeInt, object, positiveInt, type KindSpec } from "./common.js";

export const workflowStore: KindSpec = {
  schema: object({
    backend: describe(nonEmptyString, "Storage backend (default: provider, else local); only local (SQLite) is supported."),
    /** Upstream's newer name for `backend`. */
    provider: describe(nonEmptyString, "Newer name for backend; only local is supported."),
    base_path: describe(nonEmptyString, "Directory of a file-backed store (not supported yet)."),
    schema: describe(loose, "A JSON Schema describing the stored values."),
    retention: object({
      max_entries: describe(positiveInt, "Keep at most this many entries."),
      ttl_seconds: describe(positiveInt, "Entries expire after this many seconds."),
      ttl_days: describe(nonNegativeInt, "Entries expire after this many days."),
    }, { description: "How long entries are kept." }),
  }, { description: "A named key-value store that steps are meant to read with store_inputs and write with store_outputs or a store_put post-action (the engine does not read or write it yet)." }),
};
