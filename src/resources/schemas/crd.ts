/**
 * @module CustomResourceDefinition spec: a new kind, its group and versions,
 * each with a JSON Schema for instances' spec and CEL rules over `self`.
 * The version schemas must themselves compile, and the rules must parse.
 */
import { BUILTIN_KIND_NAMES } from "../kinds.js";
import { celIssues } from "./cel-fields.js";
import {
  boolean, celExpression, isObject, listOf, loose, nonEmptyString, object, oneOf, type KindSpec,
  type SchemaObject, type SpecIssue,
} from "./common.js";
import { crdSchemaError } from "./crd-instance.js";

const version = object({
  name: { type: "string", pattern: "^v[0-9]+((alpha|beta)[0-9]+)?$", description: "a version such as v1, v2beta1" },
  served: boolean,
  schema: loose,
  cel_rules: listOf(object({ rule: celExpression, message: nonEmptyString }, { required: ["rule", "message"] })),
}, { required: ["name"] });

const schema: SchemaObject = object({
  kind: { type: "string", pattern: "^[A-Z][A-Za-z0-9]*$", description: "a PascalCase kind name such as PromptLibrary" },
  plural: { type: "string", pattern: "^[a-z][a-z0-9]*$", description: "a lowercase plural such as promptlibraries" },
  short_names: listOf({ type: "string", pattern: "^[a-z][a-z0-9]*$", description: "a lowercase short name such as pl" }),
  group: {
    type: "string",
    pattern: "^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$",
    description: "a DNS-style group such as extensions.example.com",
  },
  versions: { type: "array", minItems: 1, items: version },
  scope: oneOf("Namespaced", "Cluster", "Singleton"),
  builtin: boolean,
  hooks: loose,
  plugins: { type: "array" },
}, { required: ["kind", "plural", "group", "versions"], misplaced: { shortNames: "short_names", names: "kind" } });

function check(spec: Record<string, unknown>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (typeof spec["kind"] === "string" && BUILTIN_KIND_NAMES.includes(spec["kind"])) {
    issues.push({ path: ["kind"], code: "crd", message: `kind '${spec["kind"]}' is a built-in kind and cannot be redefined`, hint: "choose another kind name" });
  }
  const names = new Set<string>();
  (Array.isArray(spec["versions"]) ? spec["versions"] : []).forEach((v: unknown, i: number) => {
    if (!isObject(v)) return;
    if (typeof v["name"] === "string") {
      if (names.has(v["name"])) issues.push({ path: ["versions", i, "name"], code: "crd", message: `version '${v["name"]}' is declared twice` });
      names.add(v["name"]);
    }
    if (isObject(v["schema"])) {
      const err = crdSchemaError(v["schema"]);
      if (err) issues.push({ path: ["versions", i, "schema"], code: "crd", message: `schema does not compile: ${err}`, hint: "use JSON Schema (type, properties, required, items, ...)" });
    }
    (Array.isArray(v["cel_rules"]) ? v["cel_rules"] : []).forEach((r: unknown, j: number) => {
      if (isObject(r)) issues.push(...celIssues([[["versions", i, "cel_rules", j, "rule"], r["rule"]]]));
    });
  });
  return issues;
}

export const customResourceDefinition: KindSpec = { schema, check };
