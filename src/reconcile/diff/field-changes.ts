/**
 * @module Field-level changes between two JSON values: which paths were
 * added, removed or changed (`spec.steps[1].command`).
 */
import type { JsonObject, JsonValue } from "../../resources/types.js";
import { diffSequences } from "./myers.js";

export type FieldChangeOp = "added" | "removed" | "changed";

export interface FieldChange {
  /** `spec.steps[1].command`; keys that are not identifiers are quoted: `labels["app.io/name"]`. */
  path: string;
  op: FieldChangeOp;
  /** Absent when the field was added. */
  before?: JsonValue;
  /** Absent when the field was removed. */
  after?: JsonValue;
}

type Segment = string | number;

/** Deep equality of JSON values; key order does not matter, array order does. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function formatFieldPath(path: readonly Segment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (!IDENTIFIER.test(seg)) out += `[${JSON.stringify(seg)}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

/** Every leaf-most difference, in the order of the fields in `after`, then removed fields. */
export function fieldChanges(before: JsonValue | undefined, after: JsonValue | undefined): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, [], out);
  return out;
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function walk(before: JsonValue | undefined, after: JsonValue | undefined, path: Segment[], out: FieldChange[]): void {
  if (jsonEqual(before, after)) return;
  const at = formatFieldPath(path);
  if (before === undefined) {
    out.push({ path: at, op: "added", after: after as JsonValue });
  } else if (after === undefined) {
    out.push({ path: at, op: "removed", before });
  } else if (isObject(before) && isObject(after)) {
    for (const k of Object.keys(after)) walk(before[k], after[k], [...path, k], out);
    for (const k of Object.keys(before)) {
      if (!Object.hasOwn(after, k)) walk(before[k], undefined, [...path, k], out);
    }
  } else if (Array.isArray(before) && Array.isArray(after)) {
    walkList(before, after, path, out);
  } else {
    out.push({ path: at, op: "changed", before, after });
  }
}

/**
 * Items are aligned first, so a step inserted at the top reads as one added
 * item rather than every later step changed. Within a changed run, removed
 * and added items are paired in order and compared field by field; paths use
 * the index in `after`, or in `before` for an item that is gone.
 */
function walkList(before: readonly JsonValue[], after: readonly JsonValue[], path: Segment[], out: FieldChange[]): void {
  const edits = diffSequences(before, after, jsonEqual);
  let removed: number[] = [];
  let added: number[] = [];
  const flush = (): void => {
    const paired = Math.min(removed.length, added.length);
    for (let i = 0; i < paired; i++) {
      const b = added[i] as number;
      walk(before[removed[i] as number], after[b], [...path, b], out);
    }
    for (const a of removed.slice(paired)) walk(before[a], undefined, [...path, a], out);
    for (const b of added.slice(paired)) walk(undefined, after[b], [...path, b], out);
    removed = [];
    added = [];
  };
  for (const e of edits) {
    if (e.op === "delete") removed.push(e.aIndex);
    else if (e.op === "insert") added.push(e.bIndex);
    else flush();
  }
  flush();
}
