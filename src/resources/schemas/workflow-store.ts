/**
 * @module WorkflowStore spec: a named key-value store steps read with
 * `store_inputs` and write with `store_outputs` or a `store_put` post-action.
 */
import { loose, nonEmptyString, nonNegativeInt, object, positiveInt, type KindSpec } from "./common.js";

export const workflowStore: KindSpec = {
  schema: object({
    backend: nonEmptyString,
    /** Upstream's newer name for `backend`. */
    provider: nonEmptyString,
    base_path: nonEmptyString,
    schema: loose,
    retention: object({ max_entries: positiveInt, ttl_seconds: positiveInt, ttl_days: nonNegativeInt }),
  }),
};
