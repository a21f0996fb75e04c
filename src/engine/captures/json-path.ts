/**
 * @module A small JSONPath subset for captures and item mappings:
 * `$`, `.name`, `['name']` / `["name"]`, `[n]` (negative counts from the
 * end), and the wildcard `[*]` / `.*`, which maps the rest of the path over
 * every element and yields a list. Filters, slices, unions and `..` are not
 * supported and are rejected with a message.
 */
import type { JsonValue } from "../../resources/types.js";

export type PathSegment = { kind: "key"; key: string } | { kind: "index"; index: number } | { kind: "wildcard" };

export class JsonPathError extends Error {
  override name = "JsonPathError";
}

/** Parses `$.a.b[0]`; the leading `$` is optional (`a.b` works too). */
export function parseJsonPath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = path.startsWith("$") ? 1 : 0;
  const fail = (what: string): never => {
    throw new JsonPathError(`unsupported JSONPath '${path}': ${what} at offset ${i}; supported: $.a.b, ['a'], [0], [-1], [*]`);
  };
  if (i === 0 && path.length > 0 && path[0] !== "." && path[0] !== "[") i = -1; // bare `a.b`
  while (i < path.length) {
    if (i === -1 || path[i] === ".") {
      if (path[i + 1] === ".") fail("recursive descent '..'");
      const start = i + 1;
      if (path[start] === "*") {
        segments.push({ kind: "wildcard" });
        i = start + 1;
        continue;
      }
      let end = start;
      while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
      if (end === start) fail("empty name");
      segments.push({ kind: "key", key: path.slice(start, end) });
      i = end;
    } else if (path[i] === "[") {
      const close = path.indexOf("]", i);
      if (close === -1) fail("unclosed '['");
      const inner = path.slice(i + 1, close).trim();
      if (inner === "*") segments.push({ kind: "wildcard" });
      else if (/^-?\d+$/.test(inner)) segments.push({ kind: "index", index: Number(inner) });
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) segments.push({ kind: "key", key: inner.slice(1, -1) });
      else fail(`selector [${inner}]`);
      i = close + 1;
    } else {
      fail(`unexpected '${path[i]}'`);
    }
  }
  return segments;
}

/** The value at `path`, or `{found: false}` when some segment does not exist. */
export function evaluateJsonPath(root: JsonValue, path: string | readonly PathSegment[]): { found: true; value: JsonValue } | { found: false } {
  const segments = typeof path === "string" ? parseJsonPath(path) : path;
  return walk(root, segments, 0);
}

function walk(value: JsonValue, segments: readonly PathSegment[], at: number): { found: true; value: JsonValue } | { found: false } {
  if (at === segments.length) return { found: true, value };
  const seg = segments[at]!;
  if (seg.kind === "wildcard") {
    const children = Array.isArray(value) ? value : value !== null && typeof value === "object" ? Object.values(value) : undefined;
    if (children === undefined) return { found: false };
    const out: JsonValue[] = [];
    for (const child of children) {
      const r = walk(child, segments, at + 1);
      if (r.found) out.push(r.value);
    }
    return { found: true, value: out };
  }
  if (seg.kind === "index") {
    if (!Array.isArray(value)) return { found: false };
    const idx = seg.index < 0 ? value.length + seg.index : seg.index;
    if (idx < 0 || idx >= value.length) return { found: false };
    return walk(value[idx]!, segments, at + 1);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, seg.key)) return { found: false };
  return walk(value[seg.key]!, segments, at + 1);
}
