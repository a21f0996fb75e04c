/**
 * @module EnvStore and SecretStore specs: named sets of environment values
 * that agents import through `env.fromRef` or `env.refValue`. Values are
 * strings, as an environment's are.
 */
import { object, stringMap, type KindSpec } from "./common.js";

const storeSchema = object({ data: stringMap }, { required: ["data"], misplaced: { values: "data", env: "data" } });

export const envStore: KindSpec = { schema: storeSchema };
export const secretStore: KindSpec = { schema: storeSchema };
