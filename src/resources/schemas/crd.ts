/**
 * @module CustomResourceDefinition spec: a new kind, its group and versions,
 * each with a JSON Schema for instances' spec and CEL rules over `self`.
 * The version schemas must themselves compile, and the rules must parse.
 */
import { BUILTIN_KINDS } from "../kinds.js";
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

/** Every name a built-in kind answers to on the command line, lower-case, with the kind it belongs to. */
const BUILTIN_NAMES: ReadonlyMap<string, string> = new Map(
  BUILTIN_KINDS.flatMap((k) => [k.kind, k.plural, ...k.shortNames].map((n): [string, string] => [n.toLowerCase(), k.kind])),
);

/** The names a CRD claims (kind, plural, short names), with where each is written. */
export function claimedNames(spec: Record<string, unknown>): { name: string; path: (string | number)[]; what: string }[] {
  const out: { name: string; path: (string | number)[]; what: string }[] = [];
  if (typeof spec["kind"] === "string") out.push({ name: spec["kind"].toLowerCase(), path: ["kind"], what: `kind '${spec["kind"]}'` });
  if (typeof spec["plural"] === "string") out.push({ name: spec["plural"].toLowerCase(), path: ["plural"], what: `plural '${spec["plural"]}'` });
  (Array.isArray(spec["short_names"]) ? spec["short_names"] : []).forEach((n: unknown, i: number) => {
    if (typeof n === "string") out.push({ name: n.toLowerCase(), path: ["short_names", i], what: `short name '${n}'` });
  });
  return out;
}

function check(spec: Record<string, unknown>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const claim of claimedNames(spec)) {
    const builtin = BUILTIN_NAMES.get(claim.name);
    if (!builtin) continue;
    const what = claim.path[0] === "kind" && builtin === spec["kind"] ? `kind '${builtin}' is a built-in kind and cannot be redefined` : `${claim.what} is a name of the built-in kind ${builtin}`;
    issues.push({ path: claim.path, code: "crd", message: what, hint: "choose another name: `get`, `describe` and `delete` would not know which kind is meant" });
  }
  const versions = Array.isArray(spec["versions"]) ? spec["versions"] : [];
  if (versions.length > 0 && versions.every((v: unknown) => isObject(v) && v["served"] === false)) {
    issues.push({ path: ["versions"], code: "crd", message: "no version is served, so no instance of this kind could be applied", hint: "set served: true on at least one version (or leave served out: it defaults to true)" });
  }
  const names = new Set<string>();
  versions.forEach((v: unknown, i: number) => {
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
