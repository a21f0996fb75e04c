/**
 * @module Building blocks for the per-kind JSON Schemas. Every object a kind
 * defines is closed (`additionalProperties: false`) so ajv names unknown
 * fields, which validation turns into warnings with a suggestion; subtrees
 * the project does not act on yet are left open (`loose`), since their shape
 * is upstream's business until they are supported.
 */
import type { SchemaObject } from "ajv";

export type { SchemaObject };

/** An issue found by a kind's own rules (what JSON Schema expresses poorly). */
export interface SpecIssue {
  /** Path below `spec`. */
  path: ReadonlyArray<string | number>;
  message: string;
  severity?: "error" | "warning";
  code?: "schema" | "cel" | "cron" | "timezone" | "crd" | "reference";
  hint?: string;
}

/** A kind's spec schema plus the checks that need code. */
export interface KindSpec {
  schema: SchemaObject;
  check?(spec: Record<string, unknown>): SpecIssue[];
  /** Unknown fields are errors, not warnings: every field of the kind changes what is allowed. */
  strict?: boolean;
}

/** Annotation keyword: names people put here that belong elsewhere. */
export const MISPLACED_KEYWORD = "x-misplaced";

/**
 * Annotation keyword on a `pattern` schema: the shape the pattern stands for
 * ("a PascalCase kind name such as PromptLibrary"), quoted by errors, while
 * `description` says what the field means.
 */
export const SHAPE_KEYWORD = "x-shape";

/** Keywords only this project's validation reads; left out of published schemas. */
export const PRIVATE_KEYWORDS: readonly string[] = [MISPLACED_KEYWORD, SHAPE_KEYWORD];

interface ObjectOptions {
  required?: readonly string[];
  misplaced?: Record<string, string>;
  description?: string;
}

/** A closed object: unknown keys are reported. */
export function object(properties: Record<string, SchemaObject>, opts: ObjectOptions = {}): SchemaObject {
  const s: SchemaObject = { type: "object", properties, additionalProperties: false };
  if (opts.required?.length) s["required"] = [...opts.required];
  if (opts.misplaced) s[MISPLACED_KEYWORD] = opts.misplaced;
  if (opts.description) s["description"] = opts.description;
  return s;
}

/**
 * The same schema with a description: what the field means, shown by editors
 * (through the published JSON Schemas) and by `orchestrator explain`.
 */
export function describe(schema: SchemaObject, description: string): SchemaObject {
  return { ...schema, description };
}

/** An object whose keys are not checked (unsupported or free-form subtrees). */
export const loose: SchemaObject = { type: "object" };

export const string: SchemaObject = { type: "string" };
export const nonEmptyString: SchemaObject = { type: "string", minLength: 1 };
export const boolean: SchemaObject = { type: "boolean" };
export const number: SchemaObject = { type: "number" };
export const positiveInt: SchemaObject = { type: "integer", minimum: 1 };
export const nonNegativeInt: SchemaObject = { type: "integer", minimum: 0 };
export const stringList: SchemaObject = { type: "array", items: { type: "string" } };
export const stringMap: SchemaObject = { type: "object", additionalProperties: { type: "string" } };
/** CEL source; its syntax is checked by validation with the CEL parser. */
export const celExpression: SchemaObject = { type: "string", minLength: 1 };

export function oneOf(...values: readonly string[]): SchemaObject {
  return { type: "string", enum: [...values] };
}

export function listOf(items: SchemaObject): SchemaObject {
  return { type: "array", items };
}

/** A string shaped like a resource name, for fields that reference one. */
export const resourceName: SchemaObject = { type: "string", minLength: 1, maxLength: 253 };

/** Plain-object test for values coming out of YAML. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * An agent's health policy (Agent `spec.health_policy`; a Workspace's is the
 * default for agents working in it): when repeated infrastructure failures
 * make an agent diseased, for how long, and what success rate at a
 * capability keeps it eligible while diseased.
 */
export const healthPolicy: SchemaObject = object({
  disease_duration_hours: { type: "number", minimum: 0, description: "How long a diseased agent is kept out of selection, in hours." },
  disease_threshold: { type: "integer", minimum: 1, description: "Failures in a row that make an agent diseased." },
  capability_success_threshold: { type: "number", minimum: 0, maximum: 1, description: "Success rate (0-1) under which a capability of the agent counts as unhealthy." },
}, { description: "Agent health: when failures keep an agent out of selection." });
