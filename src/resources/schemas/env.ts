/**
 * @module The `env` list an Agent and an ExecutionProfile share: direct
 * `name`/`value`, `fromRef` (every key of an EnvStore or SecretStore) and
 * `name`/`refValue` (one key), and the rule that an entry uses one form.
 */
import { describe, isObject, listOf, nonEmptyString, object, resourceName, string, type SchemaObject, type SpecIssue } from "./common.js";

export const envEntry = object({
  name: describe(nonEmptyString, "The variable's name (with value or refValue)."),
  value: describe(string, "A literal value for the variable `name`."),
  fromRef: describe(resourceName, "Import every key of the EnvStore or SecretStore of this name."),
  refValue: object({
    name: describe(resourceName, "The EnvStore or SecretStore to read."),
    key: describe(nonEmptyString, "The key in that store."),
  }, { required: ["name", "key"], description: "Set the variable `name` from one key of a store." }),
}, {
  misplaced: { from_ref: "fromRef", ref_value: "refValue", valueFrom: "refValue" },
  description: "One form per entry: name + value, fromRef, or name + refValue.",
});

export const envList: SchemaObject = listOf(envEntry);

/** Entries that mix forms, or lack the name a value needs. */
export function envIssues(env: unknown): SpecIssue[] {
  const issues: SpecIssue[] = [];
  (Array.isArray(env) ? env : []).forEach((e, i) => {
    if (!isObject(e)) return;
    const forms = [e["value"] !== undefined, e["fromRef"] !== undefined, e["refValue"] !== undefined].filter(Boolean).length;
    if (forms !== 1) {
      issues.push({ path: ["env", i], message: "env entry must use exactly one of: name + value, fromRef, name + refValue", hint: "split it into separate entries" });
    } else if (e["fromRef"] === undefined && e["name"] === undefined) {
      issues.push({ path: ["env", i], message: "env entry with value or refValue needs a name" });
    }
  });
  return issues;
}
