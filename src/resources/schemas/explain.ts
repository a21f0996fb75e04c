/**
 * @module What `orchestrator explain KIND.field.path` prints, as `kubectl
 * explain` does: a field's type and meaning, then its own fields. Walks the
 * published document schema, stepping through lists and `$ref`s, so the
 * text always matches what validation accepts.
 */
import { isObject, type SchemaObject } from "./common.js";

/** One field found by a path. */
export interface ExplainedField {
  /** Dotted path below the document, e.g. `spec.steps.prehook`; empty for the document. */
  path: string;
  schema: SchemaObject;
  required: boolean;
  /** The `$ref` the field's schema came from, so a recursive listing does not expand it again. */
  ref?: string;
}

export class ExplainPathError extends Error {
  constructor(message: string, readonly known: readonly string[]) {
    super(message);
  }
}

/** Finds the field at `path` (names only; lists are stepped through). */
export function findField(root: SchemaObject, path: readonly string[]): ExplainedField {
  let node = resolve(root, root);
  let required = true;
  let ref: string | undefined;
  const walked: string[] = [];
  for (const name of path) {
    const props = properties(root, node);
    const child = props[name];
    if (!child) {
      const where = walked.length ? `'${walked.join(".")}'` : "the document";
      throw new ExplainPathError(`field '${name}' does not exist in ${where}`, Object.keys(props));
    }
    required = requiredNames(root, node).includes(name);
    ref = refOf(child);
    node = resolve(root, child);
    walked.push(name);
  }
  return { path: walked.join("."), schema: node, required, ...(ref ? { ref } : {}) };
}

/** The fields of an object, or of a list's items, after `$ref`s. */
export function properties(root: SchemaObject, node: SchemaObject): Record<string, SchemaObject> {
  const target = objectPart(root, node);
  return isObject(target["properties"]) ? (target["properties"] as Record<string, SchemaObject>) : {};
}

function requiredNames(root: SchemaObject, node: SchemaObject): string[] {
  const target = objectPart(root, node);
  return Array.isArray(target["required"]) ? (target["required"] as string[]) : [];
}

/** A list's items (nested lists too), else the node itself. */
function objectPart(root: SchemaObject, node: SchemaObject): SchemaObject {
  let cur = resolve(root, node);
  while (cur["type"] === "array" && isObject(cur["items"])) cur = resolve(root, cur["items"] as SchemaObject);
  return cur;
}

/** Follows a local `$ref` (`#/$defs/step`), keeping the referring node's description. */
function resolve(root: SchemaObject, node: SchemaObject): SchemaObject {
  const ref = node["$ref"];
  if (typeof ref !== "string" || !ref.startsWith("#/")) return node;
  let target: unknown = root;
  for (const part of ref.slice(2).split("/")) target = isObject(target) ? target[part] : undefined;
  if (!isObject(target)) return node;
  const { $ref: _ref, ...rest } = node;
  return { ...resolve(root, target as SchemaObject), ...rest };
}

/** `<string>`, `<[]Object>`, `<map[string]string>`, as kubectl spells types. */
export function typeName(root: SchemaObject, node: SchemaObject): string {
  const s = resolve(root, node);
  const t = s["type"];
  if (Array.isArray(t)) return t.map((x) => typeWord(String(x))).join(" | ");
  if (t === "array") return `[]${isObject(s["items"]) ? typeName(root, s["items"] as SchemaObject) : "Object"}`;
  if (t === "object") {
    const extra = s["additionalProperties"];
    if (isObject(extra) && !isObject(s["properties"])) return `map[string]${typeName(root, extra as SchemaObject)}`;
    return "Object";
  }
  if (typeof t === "string") return typeWord(t);
  if (s["const"] !== undefined) return typeof s["const"];
  return "any";
}

function typeWord(t: string): string {
  return t === "object" ? "Object" : t;
}

/** Constraints worth a line: allowed values, bounds, a shape. */
function constraints(root: SchemaObject, node: SchemaObject): string[] {
  const s = objectPartScalar(root, node);
  const out: string[] = [];
  if (Array.isArray(s["enum"])) out.push(`one of: ${(s["enum"] as unknown[]).join(", ")}`);
  if (s["const"] !== undefined) out.push(`always ${String(s["const"])}`);
  if (typeof s["minimum"] === "number" && typeof s["maximum"] === "number") out.push(`from ${s["minimum"]} to ${s["maximum"]}`);
  else if (typeof s["minimum"] === "number") out.push(`at least ${s["minimum"]}`);
  if (typeof s["minItems"] === "number") out.push(`at least ${s["minItems"]} item${s["minItems"] === 1 ? "" : "s"}`);
  if (typeof s["minLength"] === "number" && s["minLength"] > 0) out.push("not empty");
  return out;
}

/** Enums of a list of strings live on the items. */
function objectPartScalar(root: SchemaObject, node: SchemaObject): SchemaObject {
  const s = resolve(root, node);
  return s["type"] === "array" && isObject(s["items"]) ? resolve(root, s["items"] as SchemaObject) : s;
}

export interface ExplainHeader {
  kind: string;
  apiVersion: string;
}

const WIDTH = 80;

/** The text `explain` prints for one field (or the document when the path is empty). */
export function renderExplain(root: SchemaObject, field: ExplainedField, header: ExplainHeader, recursive: boolean): string {
  const lines = [`KIND:     ${header.kind}`, `VERSION:  ${header.apiVersion}`, ""];
  if (field.path) {
    lines.push(`FIELD: ${field.path.split(".").pop()} <${typeName(root, field.schema)}>${field.required ? " -required-" : ""}`, "");
  }
  lines.push("DESCRIPTION:");
  const description = typeof field.schema["description"] === "string" ? field.schema["description"] : "(no description)";
  lines.push(...wrap(description, 4));
  const notes = constraints(root, field.schema);
  if (notes.length) lines.push(...wrap(`Values: ${notes.join("; ")}.`, 4));
  const props = properties(root, field.schema);
  if (Object.keys(props).length) {
    lines.push("", "FIELDS:");
    if (recursive) lines.push(...tree(root, field.schema, 2, new Set(field.ref ? [field.ref] : [])));
    else {
      const req = requiredNames(root, field.schema);
      for (const [name, child] of Object.entries(props)) {
        lines.push(`  ${name}\t<${typeName(root, child)}>${req.includes(name) ? " -required-" : ""}`);
        const d = resolve(root, child)["description"];
        lines.push(...wrap(typeof d === "string" ? d : "", 4), "");
      }
      while (lines[lines.length - 1] === "") lines.pop();
    }
  }
  return lines.join("\n") + "\n";
}

/** Names and types of every field below, indented; a `$ref` met again (chain_steps) is not expanded twice. */
function tree(root: SchemaObject, node: SchemaObject, indent: number, seen: Set<string>): string[] {
  const out: string[] = [];
  const req = requiredNames(root, node);
  for (const [name, child] of Object.entries(properties(root, node))) {
    out.push(`${" ".repeat(indent)}${name}\t<${typeName(root, child)}>${req.includes(name) ? " -required-" : ""}`);
    const ref = refOf(child);
    if (ref && seen.has(ref)) continue;
    const next = ref ? new Set([...seen, ref]) : seen;
    out.push(...tree(root, child, indent + 2, next));
  }
  return out;
}

function refOf(node: SchemaObject): string | undefined {
  let cur: unknown = node;
  while (isObject(cur) && cur["type"] === "array") cur = cur["items"];
  return isObject(cur) && typeof cur["$ref"] === "string" ? (cur["$ref"] as string) : undefined;
}

function wrap(text: string, indent: number): string[] {
  if (!text) return [];
  const pad = " ".repeat(indent);
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && pad.length + line.length + 1 + word.length > WIDTH) {
      out.push(pad + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(pad + line);
  return out;
}
