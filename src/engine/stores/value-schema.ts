/**
 * @module Checking a value against its WorkflowStore's JSON Schema before it
 * is written. Compiled schemas are cached by their text.
 */
import type { ValidateFunction } from "ajv";
import { customAjv } from "../../resources/schemas/ajv.js";
import type { JsonObject, JsonValue } from "../../resources/types.js";

const MAX_CACHE = 200;
const compiled = new Map<string, ValidateFunction>();

/** By schema object too: a store's config keeps one object while its resource is unchanged. */
const byObject = new WeakMap<JsonObject, ValidateFunction>();

function validatorOf(schema: JsonObject): ValidateFunction {
  const known = byObject.get(schema);
  if (known) return known;
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (!v) {
    const { $id: _id, ...anonymous } = schema;
    v = customAjv().compile(anonymous);
    if (compiled.size >= MAX_CACHE) compiled.clear();
    compiled.set(key, v);
  }
  byObject.set(schema, v);
  return v;
}

/** What is wrong with `value` under `schema`, one line per problem; empty when it matches. */
export function schemaProblems(value: JsonValue, schema: JsonObject): string[] {
  const validate = validatorOf(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath === "" ? "the value" : `value${e.instancePath.replace(/\//g, ".")}`} ${e.message ?? "is invalid"}`);
}
