/**
 * @module Validation of a set of parsed documents: the envelope, names, kind
 * and apiVersion (built-in or defined by a CustomResourceDefinition in the
 * set or the store), each spec against its kind's JSON Schema and rules,
 * unknown and unsupported fields (warnings), fields the project does not
 * offer (errors), and duplicates across the set.
 * Pure: the same documents give the same diagnostics.
 */
import { API_VERSION, DEFAULT_PROJECT, type ParsedDocument, type Resource } from "./types.js";
import { formatPath, type Diagnostic, type DiagnosticCode, type Severity } from "./diagnostics.js";
import { BUILTIN_KIND_NAMES, isProjectScoped } from "./kinds.js";
import { KIND_SPECS, metadataValidator, specValidator } from "./schemas/index.js";
import { isObject, type SpecIssue } from "./schemas/common.js";
import { nameProblem } from "./schemas/envelope.js";
import { schemaFindings, type Path, type SchemaFinding } from "./schemas/errors.js";
import { checkCrdInstance, type CrdVersionRules } from "./schemas/crd-instance.js";
import { suggestField } from "./suggest.js";
import { findRefusedFields, findUnsupportedFields } from "./support.js";
import { prehookVariableIssues } from "./prehook-vars.js";
import { holdsSecretValues, isSecretKind, REDACTED, secretTexts } from "./redact.js";

export interface ValidateOptions {
  /** CRDs already in the store; a CRD in the documents replaces a stored one of the same kind. */
  storedCrds?: Resource[];
}

const ENVELOPE_KEYS = ["apiVersion", "kind", "metadata", "spec", "status"];

/**
 * Metadata the store sets and `get -o yaml` prints. Like kubectl with
 * `creationTimestamp` or `resourceVersion`, apply ignores them without a
 * word, so `get -o yaml | apply -f -` round-trips; `status` likewise.
 */
export const SERVER_SET_METADATA: readonly string[] = ["generation", "createdAt", "updatedAt", "appliedBy"];

function withoutServerFields(meta: Record<string, unknown>): Record<string, unknown> {
  if (!SERVER_SET_METADATA.some((k) => k in meta)) return meta;
  return Object.fromEntries(Object.entries(meta).filter(([k]) => !SERVER_SET_METADATA.includes(k)));
}

export function validateDocuments(docs: readonly ParsedDocument[], opts: ValidateOptions = {}): Diagnostic[] {
  const kinds = customKinds(docs, opts.storedCrds ?? []);
  const out: Diagnostic[] = [];
  for (const doc of docs) validateDocument(doc, kinds, out);
  out.push(...duplicateDiagnostics(docs));
  return out;
}

// ── Custom kinds ─────────────────────────────────────────────────────────

interface CustomKind {
  group: string;
  versions: Map<string, CrdVersionRules & { served: boolean }>;
}

function customKinds(docs: readonly ParsedDocument[], stored: readonly Resource[]): Map<string, CustomKind> {
  const map = new Map<string, CustomKind>();
  const add = (r: Resource): void => {
    if (r.kind !== "CustomResourceDefinition" || !isObject(r.spec)) return;
    const s = r.spec as Record<string, unknown>;
    if (typeof s["kind"] !== "string" || typeof s["group"] !== "string" || BUILTIN_KIND_NAMES.includes(s["kind"])) return;
    const versions = new Map<string, CrdVersionRules & { served: boolean }>();
    for (const v of Array.isArray(s["versions"]) ? s["versions"] : []) {
      if (!isObject(v) || typeof v["name"] !== "string") continue;
      versions.set(v["name"], { kind: s["kind"], schema: v["schema"], celRules: v["cel_rules"], served: v["served"] !== false });
    }
    map.set(s["kind"], { group: s["group"], versions });
  };
  stored.forEach(add);
  docs.forEach((d) => add(d.resource));
  return map;
}

// ── One document ─────────────────────────────────────────────────────────

/** Collects one document's diagnostics with its resource label and positions. */
class Reporter {
  /**
   * Values of a SecretStore's spec. Findings there name types, not values;
   * this second guard scrubs any value a message might still quote.
   */
  private secrets: string[] = [];

  constructor(
    private readonly doc: ParsedDocument,
    private readonly out: Diagnostic[],
    public label: string | undefined,
  ) {}

  guardSecrets(values: unknown): void {
    // Short values would scrub ordinary words; the findings themselves already leave values out.
    this.secrets = [...new Set(secretTexts(values))].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  }

  add(severity: Severity, code: DiagnosticCode, path: Path, message: string, hint?: string): void {
    const d: Diagnostic = { severity, code, message: this.scrub(message), position: this.doc.positionOf(path) };
    if (this.label) d.resource = this.label;
    if (path.length) d.path = formatPath(path);
    if (hint) d.hint = this.scrub(hint);
    this.out.push(d);
  }

  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join(REDACTED);
    return out;
  }

  issue(i: SpecIssue, prefix: Path = ["spec"]): void {
    this.add(i.severity ?? "error", i.code ?? "schema", [...prefix, ...i.path], i.message, i.hint);
  }

  /**
   * `closed`: an unknown field is an error, not a warning, for the reason
   * given (kinds whose every field changes what is allowed; a SecretStore's
   * spec, where a value beside `data` must never be kept).
   */
  findings(fs: readonly SchemaFinding[], closed?: { why: string }): void {
    for (const f of fs) {
      if (f.type === "error") {
        this.add("error", "schema", f.path, f.message);
        continue;
      }
      const suggestion = suggestField(f.field, f.known, f.misplaced);
      const parent = f.path.slice(0, -1);
      const consequence = closed ? closed.why : "unknown fields are ignored";
      this.add(
        closed ? "error" : "warning",
        "unknown-field",
        f.path,
        suggestion ? `unknown field '${f.field}'; did you mean '${suggestion}'?` : `unknown field '${f.field}'`,
        suggestion
          ? `move it to ${formatPath([...parent, ...suggestion.split(".")])}; ${consequence}`
          : `fields known here: ${f.known.join(", ") || "none"}; ${consequence}`,
      );
    }
  }
}

function validateDocument(doc: ParsedDocument, kinds: Map<string, CustomKind>, out: Diagnostic[]): void {
  const r = doc.resource;
  const raw = rawEnvelope(r);
  const kind = typeof raw["kind"] === "string" && raw["kind"] !== "" ? raw["kind"] : undefined;
  const rawMeta = raw["metadata"];
  const name = isObject(rawMeta) && typeof rawMeta["name"] === "string" ? rawMeta["name"] : undefined;
  const rep = new Reporter(doc, out, kind && name ? `${kind.toLowerCase()}/${name}` : undefined);

  checkEnvelopeKeys(raw, rep);
  const apiVersion = checkApiVersionPresent(raw, rep);
  if (raw["kind"] === undefined || raw["kind"] === null || raw["kind"] === "") {
    rep.add("error", "missing-field", ["kind"], "kind is missing", `add kind: one of ${BUILTIN_KIND_NAMES.join(", ")}`);
  } else if (!kind) rep.add("error", "schema", ["kind"], "kind must be a string");
  checkMetadata(rawMeta, rep);
  if (kind && !isProjectScoped(kind) && isObject(rawMeta) && rawMeta["project"] !== undefined) {
    rep.add("warning", "schema", ["metadata", "project"], `metadata.project is ignored: ${kind} is cluster-wide, one per name across all projects`, "remove metadata.project");
  }
  if (!kind || !apiVersion) return;

  const target = resolveKind(kind, apiVersion, kinds, rep);
  if (!target) return;
  if (holdsSecretValues(kind, ["spec"])) rep.guardSecrets(raw["spec"]);
  const spec = checkSpecPresent(raw, kind, rep);
  if (!spec) return;
  if (target.type === "builtin") validateBuiltinSpec(kind, r, spec, rep);
  else for (const i of checkCrdInstance(spec, target.version)) rep.issue(i);
}

/** The mapping the document was parsed from (parse.ts keeps it), else the resource itself. */
function rawEnvelope(r: Resource): Record<string, unknown> {
  const raw = (r as unknown as { raw?: unknown }).raw;
  return isObject(raw) ? raw : (r as unknown as Record<string, unknown>);
}

function checkEnvelopeKeys(raw: Record<string, unknown>, rep: Reporter): void {
  for (const key of Object.keys(raw)) {
    if (ENVELOPE_KEYS.includes(key)) continue;
    const s = suggestField(key, ENVELOPE_KEYS);
    rep.add("warning", "unknown-field", [key], s ? `unknown field '${key}'; did you mean '${s}'?` : `unknown field '${key}'`, "a document has apiVersion, kind, metadata and spec; other top-level fields are ignored");
  }
}

function checkApiVersionPresent(raw: Record<string, unknown>, rep: Reporter): string | undefined {
  const v = raw["apiVersion"];
  if (v === undefined || v === null || v === "") {
    rep.add("error", "missing-field", ["apiVersion"], "apiVersion is missing", `add apiVersion: ${API_VERSION}`);
    return undefined;
  }
  if (typeof v !== "string") {
    rep.add("error", "schema", ["apiVersion"], "apiVersion must be a string", `use apiVersion: ${API_VERSION}`);
    return undefined;
  }
  return v;
}

function checkMetadata(meta: unknown, rep: Reporter): void {
  if (meta === undefined || meta === null) {
    rep.add("error", "missing-field", ["metadata", "name"], "metadata.name is missing", "add metadata: {name: <name>}");
    return;
  }
  if (!isObject(meta)) {
    rep.add("error", "schema", ["metadata"], "metadata must be a mapping", "add metadata: {name: <name>}");
    return;
  }
  const validate = metadataValidator();
  const given = withoutServerFields(meta);
  if (!validate(given)) rep.findings(schemaFindings(validate.errors, given, ["metadata"]));
  const name = meta["name"];
  if (name === undefined || name === null || name === "") {
    rep.add("error", "missing-field", ["metadata", "name"], "metadata.name is missing", "add metadata.name");
  } else if (typeof name === "string") {
    const p = nameProblem(name);
    if (p) rep.add("error", "invalid-name", ["metadata", "name"], `name '${name}' ${p}`, "names use letters, digits, '-', '_' and '.', start with a letter or digit, and have at most 253 characters");
  }
  if (typeof meta["project"] === "string") {
    const p = nameProblem(meta["project"]);
    if (p) rep.add("error", "invalid-name", ["metadata", "project"], `project name '${meta["project"]}' ${p}`);
  }
}

type KindTarget = { type: "builtin" } | { type: "custom"; version: CrdVersionRules };

function resolveKind(kind: string, apiVersion: string, kinds: Map<string, CustomKind>, rep: Reporter): KindTarget | undefined {
  if (BUILTIN_KIND_NAMES.includes(kind)) {
    if (apiVersion === API_VERSION) return { type: "builtin" };
    rep.add("error", "api-version", ["apiVersion"], `kind ${kind} needs apiVersion ${API_VERSION}, not '${apiVersion}'`, `set apiVersion: ${API_VERSION}`);
    return undefined;
  }
  const custom = kinds.get(kind);
  if (custom) {
    const [group, version] = splitApiVersion(apiVersion);
    const v = group === custom.group && version ? custom.versions.get(version) : undefined;
    const served = [...custom.versions].filter(([, x]) => x.served).map(([n]) => `${custom.group}/${n}`);
    if (!v || !v.served) {
      rep.add("error", "api-version", ["apiVersion"], `kind ${kind} is served as ${served.join(", ") || "no version"}, not '${apiVersion}'`, served[0] ? `set apiVersion: ${served[0]}` : `the ${kind} CustomResourceDefinition serves no version`);
      return undefined;
    }
    return { type: "custom", version: v };
  }
  const known = [...BUILTIN_KIND_NAMES, ...kinds.keys()];
  const s = suggestField(kind, known);
  rep.add(
    "error",
    "unknown-kind",
    ["kind"],
    `unknown kind '${kind}'; known kinds: ${known.join(", ")}`,
    s ? `did you mean '${s}'?` : "a custom kind needs its CustomResourceDefinition in the same set or applied first",
  );
  const knownVersions = new Set([API_VERSION, ...[...kinds.values()].flatMap((c) => [...c.versions.keys()].map((v) => `${c.group}/${v}`))]);
  if (!knownVersions.has(apiVersion)) {
    rep.add("error", "api-version", ["apiVersion"], `unknown apiVersion '${apiVersion}'; known: ${[...knownVersions].join(", ")}`, `use ${API_VERSION}, or the group/version of a CustomResourceDefinition`);
  }
  return undefined;
}

function splitApiVersion(v: string): [string, string | undefined] {
  const i = v.lastIndexOf("/");
  return i < 0 ? [v, undefined] : [v.slice(0, i), v.slice(i + 1)];
}

function checkSpecPresent(raw: Record<string, unknown>, kind: string, rep: Reporter): Record<string, unknown> | undefined {
  const spec = raw["spec"];
  if (spec === undefined || spec === null) {
    // A Project needs nothing but its name.
    if (kind === "Project") return {};
    rep.add("error", "missing-field", ["spec"], "spec is missing", `add the ${kind} spec`);
    return undefined;
  }
  if (!isObject(spec)) {
    rep.add("error", "schema", ["spec"], `spec must be a mapping, not ${Array.isArray(spec) ? "a list" : typeof spec}`);
    return undefined;
  }
  return spec;
}

function validateBuiltinSpec(kind: string, r: Resource, spec: Record<string, unknown>, rep: Reporter): void {
  const validate = specValidator(kind);
  if (validate && !validate(spec)) {
    const closed = isSecretKind(kind)
      ? { why: `a ${kind}'s spec holds only data: anything else is refused, so a secret put in the wrong place is never stored or shown` }
      : KIND_SPECS[kind]?.strict === true
        ? { why: "unknown fields are refused here, since one left unread would loosen the boundary" }
        : undefined;
    rep.findings(schemaFindings(validate.errors, spec, ["spec"], { hideValue: (path) => holdsSecretValues(kind, path) }), closed);
  }
  for (const i of KIND_SPECS[kind]?.check?.(spec) ?? []) rep.issue(i);
  for (const u of findRefusedFields(kind, spec)) rep.add("error", "not-offered", u.path, u.message, u.hint);
  for (const u of findUnsupportedFields(kind, spec)) {
    rep.add("warning", "unsupported-field", u.path, u.message);
  }
  if (kind === "Workflow") {
    for (const i of prehookVariableIssues({ ...r, spec: spec as Resource["spec"] })) rep.add("warning", "reference", i.path, i.message, i.hint);
  }
}

// ── Across documents ─────────────────────────────────────────────────────

/** Same kind, name and project twice in one set: an error at every place it appears. */
export function duplicateDiagnostics(docs: readonly ParsedDocument[]): Diagnostic[] {
  const groups = new Map<string, ParsedDocument[]>();
  for (const doc of docs) {
    const r = doc.resource;
    const name = r.metadata?.name;
    if (typeof r.kind !== "string" || typeof name !== "string" || name === "") continue;
    const project = !isProjectScoped(r.kind) ? "" : typeof r.metadata.project === "string" ? r.metadata.project : DEFAULT_PROJECT;
    const key = `${r.kind}\u0000${project}\u0000${name}`;
    const list = groups.get(key);
    if (list) list.push(doc);
    else groups.set(key, [doc]);
  }
  const out: Diagnostic[] = [];
  for (const list of groups.values()) {
    if (list.length < 2) continue;
    const where = list.map((d) => d.positionOf(["metadata", "name"]));
    list.forEach((doc, i) => {
      const r = doc.resource;
      const others = where.filter((_, j) => j !== i).map((p) => `${p.file}:${p.line}:${p.column}`);
      const scope = !isProjectScoped(r.kind) ? "" : ` in project '${r.metadata.project ?? DEFAULT_PROJECT}'`;
      out.push({
        severity: "error",
        code: "duplicate",
        resource: `${r.kind.toLowerCase()}/${r.metadata.name}`,
        path: "metadata.name",
        position: where[i]!,
        message: `${r.kind} '${r.metadata.name}'${scope} is defined more than once (also at ${others.join(", ")})`,
        hint: isProjectScoped(r.kind) ? "rename one of them, or set a different metadata.project" : `rename or remove one of them: a ${r.kind} is cluster-wide, one per name across all projects`,
      });
    });
  }
  return out;
}
