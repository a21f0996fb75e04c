/**
 * @module `orchestrator schema [KIND]` prints the JSON Schema editors use;
 * `orchestrator explain KIND[.field.path]` prints a field's type and
 * meaning, as `kubectl explain` does. Both work without a store; inside one,
 * they also know the kinds its CustomResourceDefinitions define.
 */
import { customKindOf } from "../../resources/crd-kinds.js";
import { KindRegistry, type KindInfo } from "../../resources/kinds.js";
import { isObject, type SchemaObject } from "../../resources/schemas/common.js";
import { ExplainPathError, findField, renderExplain } from "../../resources/schemas/explain.js";
import { allKindsSchema, documentSchema, JSON_SCHEMA_DIALECT, publishable } from "../../resources/schemas/publish.js";
import { KIND_SPECS } from "../../resources/schemas/index.js";
import { metadataSchema } from "../../resources/schemas/envelope.js";
import { suggestField } from "../../resources/suggest.js";
import type { Resource } from "../../resources/types.js";
import { findHome, storeExists } from "../../store/home-location.js";
import { openStore } from "../../store/open.js";
import { UsageError } from "../errors.js";
import { writeOut } from "../output/io.js";

export function schemaCommand(kindArg: string | undefined): void {
  if (!kindArg) {
    writeOut(JSON.stringify(allKindsSchema(), null, 2) + "\n");
    return;
  }
  const { schema } = kindSchema(kindArg);
  writeOut(JSON.stringify(schema, null, 2) + "\n");
}

export function explainCommand(target: string, opts: { recursive?: boolean; apiVersion?: string }): void {
  const [kindArg, ...path] = target.split(".");
  if (!kindArg) throw new UsageError("expected KIND or KIND.field.path, e.g. workflow.spec.steps");
  const { info, schema } = kindSchema(kindArg, opts.apiVersion);
  let field;
  try {
    field = findField(schema, path.filter((p) => p !== ""));
  } catch (err) {
    if (!(err instanceof ExplainPathError)) throw err;
    const last = path[path.length - 1] ?? "";
    const guess = suggestField(last, err.known);
    const hint = guess ? `; did you mean '${guess}'?` : err.known.length ? `; fields here: ${err.known.join(", ")}` : "";
    throw new UsageError(`${info.kind}: ${err.message}${hint}`);
  }
  writeOut(renderExplain(schema, field, { kind: info.kind, apiVersion: info.apiVersion }, !!opts.recursive));
}

/** The kind a name stands for and its document schema: built in, or from a CRD in the store. */
function kindSchema(kindArg: string, apiVersion?: string): { info: KindInfo; schema: SchemaObject } {
  const crds = storedCrds();
  const registry = new KindRegistry(crds.flatMap((c) => customKindOf(c) ?? []));
  const info = registry.resolve(kindArg);
  if (!info) {
    const known = registry.kindNames();
    const guess = suggestField(kindArg, [...known, ...known.map((k) => k.toLowerCase())]);
    throw new UsageError(`unknown kind '${kindArg}'${guess ? ` (did you mean '${guess}'?)` : ""}; known kinds: ${known.join(", ")}`);
  }
  if (!info.custom && KIND_SPECS[info.kind]) return { info, schema: documentSchema(info.kind) };
  const crd = crds.find((c) => isObject(c.spec) && c.spec["kind"] === info.kind);
  return crdDocumentSchema(info, crd, apiVersion);
}

/** A CRD-defined kind's document: its version's schema for `spec`. */
function crdDocumentSchema(info: KindInfo, crd: Resource | undefined, apiVersion?: string): { info: KindInfo; schema: SchemaObject } {
  const spec = (crd?.spec ?? {}) as Record<string, unknown>;
  const group = String(spec["group"] ?? "");
  const versions = (Array.isArray(spec["versions"]) ? spec["versions"] : []).filter(isObject);
  const wanted = apiVersion?.split("/").pop();
  const version = (wanted ? versions.find((v) => v["name"] === wanted) : versions.find((v) => v["served"] !== false)) ?? versions[0];
  if (!version) throw new UsageError(`the ${info.kind} CustomResourceDefinition has no version`);
  const api = `${group}/${String(version["name"])}`;
  const specSchema = isObject(version["schema"]) ? (version["schema"] as SchemaObject) : { type: "object" };
  const crdName = crd?.metadata.name ?? info.kind;
  const schema: SchemaObject = {
    $schema: JSON_SCHEMA_DIALECT,
    title: `${info.kind} (${api})`,
    description: typeof crd?.metadata.description === "string" ? crd.metadata.description : `A ${info.kind}, defined by the CustomResourceDefinition ${crdName}.`,
    type: "object",
    required: ["apiVersion", "kind", "metadata", "spec"],
    properties: {
      apiVersion: { const: api, description: `${api}, a served version of the ${info.kind} CustomResourceDefinition.` },
      kind: { const: info.kind, description: "The kind of resource." },
      metadata: { ...publishable(metadataSchema), required: ["name"] },
      spec: { description: `Checked against the schema and CEL rules of ${crdName}.`, ...specSchema },
    },
    additionalProperties: false,
  };
  return { info: { ...info, apiVersion: api }, schema };
}

/** CRDs of the store this directory belongs to, if any; never creates one. */
function storedCrds(): Resource[] {
  const home = findHome(process.cwd(), process.env);
  if (!home || !storeExists(home)) return [];
  const store = openStore(home);
  try {
    return store.listResources({ kind: "CustomResourceDefinition", allProjects: true });
  } finally {
    store.close();
  }
}
