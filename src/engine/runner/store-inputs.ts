/**
 * @module `store_inputs`: before a step runs, each listed key is read from
 * its workflow store into the variable `as_var` of the step's scope (a
 * string as its text, any other value as JSON). A `required` key the store
 * does not hold stops the step before it starts; an optional one leaves the
 * variable unset.
 */
import type { StoreInputSpec } from "../plan/types.js";
import { StoreBackendError } from "../stores/backends/backend.js";
import { textOfValue } from "../stores/store-values.js";
import { WorkflowStoreError, type WorkflowStores } from "../stores/workflow-stores.js";

/** Reads the inputs into `vars`; returns why the step cannot start, or undefined. */
export async function readStoreInputs(stores: WorkflowStores, project: string, inputs: readonly StoreInputSpec[], vars: Record<string, string>): Promise<string | undefined> {
  for (const input of inputs) {
    let entry;
    try {
      entry = await stores.get(project, input.store, input.key);
    } catch (err) {
      if (err instanceof WorkflowStoreError || err instanceof StoreBackendError) return `store input ${input.store}/${input.key}: ${err.message}`;
      throw err;
    }
    if (entry) vars[input.as_var] = textOfValue(entry.value);
    else if (input.required === true) {
      return `required store input '${input.key}' is not in store '${input.store}' (project '${project}'); write it first (a step's store_put, or \`orchestrator store put ${input.store} ${input.key} VALUE\`)`;
    }
  }
  return undefined;
}
