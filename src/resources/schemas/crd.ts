/**
 * @module CustomResourceDefinition spec: a new kind, its group and versions,
 * each with a JSON Schema for instances' spec and CEL rules over `self`.
 * The version schemas must themselves compile, and the rules must parse.
 */
import { BUILTIN_KINDS } from "../kinds.js";
import { celIssues } from "./cel-fields.js";
import {
  boolean, celExpression, describe, isObject, listOf, loose, nonEmptyString, object, oneOf, SHAPE_KEYWORD, type KindSpec,
  type SchemaObject, type SpecIssue,
} from "./common.js";
import { crdSchemaError } from "./crd-instance.js";
import { checkCronExpression, checkTimeZone } from "../cron.js";

/** A string that must match `pattern`; errors quote `shape`, editors show `description`. */
function patterned(pattern: string, shape: string, description: string): SchemaObject {
  return { type: "string", pattern, [SHAPE_KEYWORD]: shape, description };
}

const version = object({
  name: patterned("^v[0-9]+((alpha|beta)[0-9]+)?$", "a version such as v1, v2beta1", "Version name (v1, v2beta1); each at most once. Instances use apiVersion: <group>/<name>."),
  served: describe(boolean, "false rejects instances written in this version (default true)."),
  schema: describe(loose, "JSON Schema for an instance's spec (default {type: object}); it must compile."),
  cel_rules: describe(listOf(object({
    rule: describe(celExpression, "A CEL expression evaluated with self bound to the instance's spec; it must be true."),
    message: describe(nonEmptyString, "The error shown when the rule is not true."),
  }, { required: ["rule", "message"] })), "Rules an instance's spec must satisfy, checked after its schema."),
}, { required: ["name"] });

const lowercaseName = "^[a-z][a-z0-9]*$";

const schema: SchemaObject = object({
  kind: patterned("^[A-Z][A-Za-z0-9]*$", "a PascalCase kind name such as PromptLibrary", "The new kind's name, PascalCase (PromptLibrary); it must not be a built-in kind."),
  plural: patterned(lowercaseName, "a lowercase plural such as promptlibraries", "Plural name on the command line (get promptlibraries), lowercase."),
  short_names: describe(
    listOf(patterned(lowercaseName, "a lowercase short name such as pl", "A short name on the command line (get pl).")),
    "More names on the command line, lowercase.",
  ),
  group: patterned(
    "^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$",
    "a DNS-style group such as extensions.example.com",
    "API group, DNS-style with a dot (extensions.example.com); instances use apiVersion: <group>/<version>.",
  ),
  versions: { type: "array", minItems: 1, items: version, description: "The versions instances may use; at least one." },
  scope: describe(oneOf("Namespaced", "Cluster", "Singleton"), "Custom resources are always project-scoped: Namespaced (the default) is the only value offered; validation refuses Cluster and Singleton."),
  builtin: describe(boolean, "Only false is offered: the project alone defines built-in kinds, and validation refuses true."),
  /** Commands run when an instance is created, updated or deleted; a failing one refuses the change. */
  hooks: object({
    on_create: describe(nonEmptyString, "Run (sh -c, in the project root) before an instance is created; a non-zero exit refuses it. RESOURCE_KIND, RESOURCE_NAME, RESOURCE_PROJECT, RESOURCE_ACTION and RESOURCE_SPEC are in its environment."),
    on_update: describe(nonEmptyString, "Run before an instance's spec changes; a non-zero exit refuses the change."),
    on_delete: describe(nonEmptyString, "Run before an instance is deleted (delete, prune); a non-zero exit keeps it."),
  }, { description: "Commands run on an instance's create, update and delete, as the plugin policy (.orchestrator/plugin-policy.yaml) allows." }),
  plugins: describe(listOf(
    object(
      {
        name: describe(nonEmptyString, "The plugin's name."),
        type: describe(oneOf("interceptor", "transformer", "cron"), "cron runs command on the controller at each tick of schedule; interceptor and transformer act on webhook requests, which this orchestrator does not receive (refused at apply)."),
        phase: describe(nonEmptyString, "The webhook phase of an interceptor or transformer (webhook.authenticate, webhook.transform)."),
        command: describe(nonEmptyString, "The command (sh -c, in the project root); it runs only as the plugin policy allows."),
        timeout: { type: "integer", minimum: 1, maximum: 3600, description: "Seconds the command may run (default 30)." },
        schedule: describe(nonEmptyString, "A cron plugin's schedule: 5 fields, or 6 with seconds first."),
        timezone: describe(nonEmptyString, "The IANA time zone of schedule (default UTC)."),
      },
      { required: ["name", "type", "command"] },
    ),
  ), "Commands the CRD brings: cron plugins run on the controller; webhook interceptors and transformers are refused at apply."),
}, {
  required: ["kind", "plural", "group", "versions"],
  misplaced: { shortNames: "short_names", names: "kind" },
  description: "Defines a new kind: its names, its API group and versions, and for each version a JSON Schema for instances' spec plus CEL rules over it. Cluster-wide; its instances are project-scoped.",
});

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
  (Array.isArray(spec["plugins"]) ? spec["plugins"] : []).forEach((p: unknown, i: number) => {
    if (!isObject(p)) return;
    if (p["type"] === "cron") {
      if (typeof p["schedule"] !== "string") issues.push({ path: ["plugins", i, "schedule"], message: `cron plugin '${String(p["name"] ?? i)}' needs a schedule`, hint: "add schedule: a cron expression (5 fields, or 6 with seconds first)" });
      else {
        const c = checkCronExpression(p["schedule"]);
        if (!c.ok) issues.push({ path: ["plugins", i, "schedule"], code: "cron", message: c.message });
      }
      if (typeof p["timezone"] === "string") {
        const z = checkTimeZone(p["timezone"]);
        if (!z.ok) issues.push({ path: ["plugins", i, "timezone"], code: "timezone", message: z.message });
      }
    } else if ((p["type"] === "interceptor" || p["type"] === "transformer") && typeof p["phase"] !== "string") {
      issues.push({ path: ["plugins", i, "phase"], message: `${String(p["type"])} plugin '${String(p["name"] ?? i)}' needs a phase (webhook.authenticate or webhook.transform)` });
    }
  });
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
