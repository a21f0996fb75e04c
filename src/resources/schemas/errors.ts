/**
 * @module Reads ajv's errors as findings with a field path: real schema
 * violations, and unknown keys (reported as warnings by validation, with the
 * names the schema does know at that place).
 */
import type { ErrorObject } from "ajv";
import { MISPLACED_KEYWORD, SHAPE_KEYWORD } from "./common.js";

export type Path = Array<string | number>;

export type SchemaFinding =
  | { type: "error"; path: Path; message: string }
  | { type: "unknown-field"; path: Path; field: string; known: string[]; misplaced?: Record<string, string> };

export interface FindingOptions {
  /** True for paths whose values must never appear in a message (secret values): only their type is named. */
  hideValue?: (path: Path) => boolean;
}

/** Findings in document order of ajv's walk, without repeats. */
export function schemaFindings(errors: readonly ErrorObject[] | null | undefined, data: unknown, prefix: Path, opts: FindingOptions = {}): SchemaFinding[] {
  const out: SchemaFinding[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    const f = finding(e, data, prefix, opts);
    if (!f) continue;
    const key = `${f.type}|${f.path.join("\u0000")}|${f.type === "error" ? f.message : ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}

function finding(e: ErrorObject, data: unknown, prefix: Path, opts: FindingOptions): SchemaFinding | undefined {
  // `if` only says "must match then"; the failing `then` keyword reports the real reason.
  if (e.keyword === "if") return undefined;
  const at = [...prefix, ...pointerToPath(e.instancePath, data)];
  const describe = opts.hideValue?.(at) ? describeType : describeValue;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties": {
      const field = String(params["additionalProperty"]);
      const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
      const props = parent["properties"];
      const known = props && typeof props === "object" ? Object.keys(props) : [];
      const misplaced = parent[MISPLACED_KEYWORD] as Record<string, string> | undefined;
      return misplaced ? { type: "unknown-field", path: [...at, field], field, known, misplaced } : { type: "unknown-field", path: [...at, field], field, known };
    }
    case "required":
      return { type: "error", path: [...at, String(params["missingProperty"])], message: "required field is missing" };
    case "type": {
      const want = String(params["type"]).split(",").join(" or ");
      return { type: "error", path: at, message: `must be ${want}, not ${describe(e.data)}` };
    }
    case "enum": {
      const allowed = (params["allowedValues"] as unknown[] | undefined) ?? [];
      return { type: "error", path: at, message: `must be one of: ${allowed.map(String).join(", ")} (got ${describe(e.data)})` };
    }
    case "pattern": {
      // Patterns carry a description of the shape they stand for; a regex helps nobody.
      const parent = e.parentSchema as Record<string, unknown> | undefined;
      const described = parent?.[SHAPE_KEYWORD] ?? parent?.["description"];
      const message = typeof described === "string" ? `must be ${described}` : (e.message ?? "has the wrong shape");
      return { type: "error", path: at, message: `${message} (got ${describe(e.data)})` };
    }
    default:
      return { type: "error", path: at, message: e.message ?? `fails ${e.keyword}` };
  }
}

/** `/steps/2/timeout_secs` -> ["steps", 2, "timeout_secs"]; numbers only where the data has a list. */
export function pointerToPath(pointer: string, data: unknown): Path {
  if (!pointer) return [];
  const out: Path = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      const i = Number(seg);
      out.push(i);
      cur = cur[i];
    } else {
      out.push(seg);
      cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

/** The value's type only, for values that must not be echoed. */
function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `a ${typeof v}`;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 37) + "..." : v)}`;
  return `${typeof v} ${String(v)}`;
}
