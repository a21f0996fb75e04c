/**
 * @module The JSON Schemas editors read (yaml-language-server, VS Code):
 * one per built-in kind for a whole document, and one for any document that
 * picks the kind's schema by `kind`. Built from the same spec schemas the
 * validator compiles, with this project's private keywords left out, so an
 * editor and `manifest validate` agree on what a field may hold.
 */
import { BUILTIN_KINDS } from "../kinds.js";
import { API_VERSION } from "../types.js";
import { isObject, PRIVATE_KEYWORDS, type SchemaObject } from "./common.js";
import { metadataSchema, NAME_MAX_LENGTH, NAME_PATTERN } from "./envelope.js";
import { KIND_SPECS } from "./index.js";

export const JSON_SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#";

/** Kinds that have a published schema, in apply order. */
export function publishedKinds(): string[] {
  return BUILTIN_KINDS.map((k) => k.kind).filter((k) => KIND_SPECS[k] !== undefined);
}

/** `Agent` -> `agent.json`; the file name under the package's `schemas/`. */
export function schemaFileName(kind: string): string {
  return `${kind.toLowerCase()}.json`;
}

/** The file that accepts a document of any kind. */
export const ALL_KINDS_FILE = "orchestrator.json";

/** A whole document of one kind: envelope, metadata and that kind's spec. */
export function documentSchema(kind: string): SchemaObject {
  const { schema, defs } = documentParts(kind);
  return { $schema: JSON_SCHEMA_DIALECT, title: `orchestrator ${kind}`, ...schema, ...(Object.keys(defs).length ? { $defs: defs } : {}) };
}

/** Any document: the kind's schema is chosen by `kind`; other kinds (a CRD's) are only checked for the envelope. */
export function allKindsSchema(): SchemaObject {
  const kinds = publishedKinds();
  const defs: Record<string, SchemaObject> = {};
  for (const kind of kinds) {
    const parts = documentParts(kind);
    addDefs(defs, { [kind]: parts.schema, ...parts.defs });
  }
  return {
    $schema: JSON_SCHEMA_DIALECT,
    title: "orchestrator manifest",
    description: "A document of any orchestrator kind; the schema of its kind is chosen by `kind`.",
    type: "object",
    required: ["apiVersion", "kind", "metadata"],
    properties: {
      apiVersion: { type: "string", description: apiVersionText, examples: [API_VERSION] },
      kind: { type: "string", description: kindText, examples: kinds },
    },
    allOf: kinds.map((kind) => ({
      if: { properties: { kind: { const: kind } }, required: ["kind"] },
      then: { $ref: `#/$defs/${kind}` },
    })),
    $defs: defs,
  };
}

const apiVersionText = `${API_VERSION} for every built-in kind; <group>/<version> for a kind defined by a CustomResourceDefinition.`;
const kindText = "The kind of resource, spelled exactly (Agent, not agent).";

function documentParts(kind: string): { schema: SchemaObject; defs: Record<string, SchemaObject> } {
  const spec = KIND_SPECS[kind];
  if (!spec) throw new Error(`no schema for kind ${kind}`);
  const { $defs, description, ...specSchema } = publishable(spec.schema) as SchemaObject & { $defs?: Record<string, SchemaObject> };
  const schema: SchemaObject = {
    description,
    type: "object",
    required: kind === "Project" ? ["apiVersion", "kind", "metadata"] : ["apiVersion", "kind", "metadata", "spec"],
    properties: {
      apiVersion: { const: API_VERSION, description: apiVersionText },
      kind: { const: kind, description: kindText },
      metadata: publishedMetadata(),
      spec: { ...specSchema, description: `The ${kind}'s own fields. ${String(description ?? "")}`.trim() },
      status: { type: "object", description: "Written by the engine (Tasks and Runs); a status in a manifest is ignored with a warning." },
    },
    additionalProperties: false,
  };
  return { schema, defs: $defs ?? {} };
}

/** Metadata as validation checks it: the name's shape is checked in code there, spelled as a pattern here. */
function publishedMetadata(): SchemaObject {
  const m = publishable(metadataSchema);
  const props = m["properties"] as Record<string, SchemaObject>;
  const named = { ...props["name"], minLength: 1, maxLength: NAME_MAX_LENGTH, pattern: NAME_PATTERN.source };
  return {
    ...m,
    required: ["name"],
    properties: { ...props, name: named, project: { ...props["project"], maxLength: NAME_MAX_LENGTH, pattern: NAME_PATTERN.source } },
  };
}

function addDefs(into: Record<string, SchemaObject>, defs: Record<string, SchemaObject>): void {
  for (const [name, def] of Object.entries(defs)) {
    const had = into[name];
    if (had && JSON.stringify(had) !== JSON.stringify(def)) throw new Error(`two schemas define $defs/${name} differently`);
    into[name] = def;
  }
}

/** A deep copy without the keywords only this project's validator reads. */
export function publishable(schema: SchemaObject): SchemaObject {
  return strip(schema) as SchemaObject;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!PRIVATE_KEYWORDS.includes(k)) out[k] = strip(v);
  }
  return out;
}

/** Every published file: name -> schema. */
export function publishedSchemaFiles(): Array<{ file: string; schema: SchemaObject }> {
  return [
    { file: ALL_KINDS_FILE, schema: allKindsSchema() },
    ...publishedKinds().map((kind) => ({ file: schemaFileName(kind), schema: documentSchema(kind) })),
  ];
}
