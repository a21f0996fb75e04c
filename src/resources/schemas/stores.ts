/**
 * @module EnvStore and SecretStore specs: named sets of environment values
 * that agents import through `env.fromRef` or `env.refValue`. Values are
 * strings, as an environment's are.
 */
import { describe, object, stringMap, type KindSpec } from "./common.js";

const storeSchema = (what: string, description: string): KindSpec["schema"] =>
  object(
    { data: describe(stringMap, `Variable name -> ${what}. Values are strings: quote numbers and booleans.`) },
    { required: ["data"], misplaced: { values: "data", env: "data" }, description },
  );

export const envStore: KindSpec = {
  schema: storeSchema("value", "A named set of environment values that agents import through their env entries (fromRef: every key; refValue: one key)."),
};
export const secretStore: KindSpec = {
  schema: storeSchema("secret value", "Like an EnvStore, for sensitive values: encrypted at rest and never shown in output, events, logs or diffs."),
};
