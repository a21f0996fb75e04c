/**
 * @module Instances of CRD-defined kinds: their spec against the version's
 * JSON Schema, then each CEL rule with `self` bound to the spec. Compiled
 * schemas are cached by their text, so 10,000 instances compile one schema.
 */
import type { ValidateFunction } from "ajv";
import { evaluateCel } from "../../cel/compile.js";
import { customAjv } from "./ajv.js";
import { isObject, type SpecIssue } from "./common.js";
import { schemaFindings } from "./errors.js";

type Compiled = { ok: true; validate: ValidateFunction } | { ok: false; error: string };

const MAX_CACHE = 1000;
const compiled = new Map<string, Compiled>();

function compile(schema: Record<string, unknown>): Compiled {
  const key = JSON.stringify(schema);
  const hit = compiled.get(key);
  if (hit) return hit;
  let result: Compiled;
  try {
    // ajv registers a schema under its $id and refuses a second one; instances never need it.
    const { $id: _id, ...anonymous } = schema;
    result = { ok: true, validate: customAjv().compile(anonymous) };
  } catch (err) {
    result = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (compiled.size >= MAX_CACHE) compiled.clear();
  compiled.set(key, result);
  return result;
}

/** Why a CRD version's schema cannot be used, or undefined when it compiles. */
export function crdSchemaError(schema: Record<string, unknown>): string | undefined {
  const c = compile(schema);
  return c.ok ? undefined : c.error;
}

/** What a CRD version says about its instances. */
export interface CrdVersionRules {
  kind: string;
  schema?: unknown;
  celRules?: unknown;
}

/** Issues with paths below `spec`, like the built-in kinds' checks. */
export function checkCrdInstance(spec: Record<string, unknown>, version: CrdVersionRules): SpecIssue[] {
  const schema = isObject(version.schema) ? version.schema : { type: "object" };
  const c = compile(schema);
  if (!c.ok) {
    return [{ path: [], code: "crd", message: `the ${version.kind} CustomResourceDefinition's schema does not compile, so instances cannot be checked: ${c.error}` }];
  }
  if (!c.validate(spec)) {
    return schemaFindings(c.validate.errors, spec, []).map((f) =>
      f.type === "error"
        ? { path: f.path, message: f.message, hint: `see the ${version.kind} CustomResourceDefinition's schema` }
        : { path: f.path, message: `unknown field '${f.field}' (the ${version.kind} schema allows: ${f.known.join(", ") || "no fields"})` },
    );
  }
  return celRuleIssues(spec, version);
}

/** Rules run only on a spec that passed the schema, so they may assume its shape. */
function celRuleIssues(spec: Record<string, unknown>, version: CrdVersionRules): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const r of Array.isArray(version.celRules) ? version.celRules : []) {
    if (!isObject(r) || typeof r["rule"] !== "string") continue;
    const rule = r["rule"];
    const message = typeof r["message"] === "string" ? r["message"] : `rule ${rule} failed`;
    let value: unknown;
    try {
      value = evaluateCel(rule, { self: spec });
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).split("\n")[0];
      issues.push({ path: [], code: "crd", message: `${message} (rule '${rule}' could not be evaluated: ${why})` });
      continue;
    }
    if (value !== true) issues.push({ path: [], code: "crd", message: `${message} (rule '${rule}' is ${String(value)})` });
  }
  return issues;
}
