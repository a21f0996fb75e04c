/**
 * @module Canonical JSON: one stable text per value (object keys sorted
 * recursively), so equal specs compare and hash equal whatever their key order.
 */

/**
 * Serializes like `JSON.stringify` (undefined members dropped, non-finite
 * numbers become null) but with every object's keys sorted by code unit.
 */
export function canonicalJson(v: unknown): string {
  return write(v, new Set()) ?? "null";
}

function write(v: unknown, seen: Set<object>): string | undefined {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
    case "boolean":
      return JSON.stringify(v);
    case "number":
      return Number.isFinite(v) ? JSON.stringify(v) : "null";
    case "object":
      break;
    default:
      // undefined, functions and symbols are dropped, as JSON.stringify does.
      return undefined;
  }
  const obj = v as object;
  if (seen.has(obj)) throw new TypeError("canonicalJson: value contains a cycle");
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return `[${obj.map((x) => write(x, seen) ?? "null").join(",")}]`;
    const rec = obj as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(rec).sort()) {
      const text = write(rec[key], seen);
      if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
    }
    return `{${parts.join(",")}}`;
  } finally {
    seen.delete(obj);
  }
}
