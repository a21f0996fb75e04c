/**
 * @module Small helpers kind controllers share: reading spec fields and
 * reporting a reference to a resource that exists nowhere.
 */
import { formatPath, type Diagnostic } from "../src/resources/diagnostics.js";
import type { JsonValue, ParsedDocument } from "../src/resources/types.js";
import type { ValidationContext } from "./types.js";

export function stringAt(value: JsonValue | undefined, ...path: string[]): string | undefined {
  let v: JsonValue | undefined = value;
  for (const seg of path) {
    if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = v[seg];
  }
  return typeof v === "string" ? v : undefined;
}

/**
 * A warning, not an error: the resource may be applied later or by another
 * source, and the engine reports it again when it matters.
 */
export function missingReference(
  doc: ParsedDocument,
  ctx: ValidationContext,
  path: readonly string[],
  kind: string,
  name: string | undefined,
): Diagnostic[] {
  const project = doc.resource.metadata.project ?? "default";
  if (name === undefined || ctx.exists(kind, project, name)) return [];
  const r = doc.resource;
  return [
    {
      severity: "warning",
      code: "reference",
      message: `${kind} '${name}' is not in this set nor in the store (project '${project}')`,
      resource: `${r.kind.toLowerCase()}/${r.metadata.name}`,
      path: formatPath(path),
      position: doc.positionOf(path),
      hint: `apply a ${kind} named '${name}' in project '${project}', or fix the name`,
    },
  ];
}

/** Projects of the changes, each once, in order. */
export function projectsOf(changes: readonly { key: { project: string } }[]): string[] {
  return [...new Set(changes.map((c) => c.key.project))];
}
