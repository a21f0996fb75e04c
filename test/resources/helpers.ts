/**
 * @module Test helper: YAML text -> ParsedDocuments with positionOf, without
 * depending on the real parser (tests of validation stay about validation).
 */
import { readFileSync } from "node:fs";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
import type { JsonObject, ParsedDocument, Resource, SourcePosition } from "../../src/resources/types.js";

export function docsFromYaml(text: string, file = "test.yaml"): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const at = (offset: number): SourcePosition => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const out: ParsedDocument[] = [];
  parseAllDocuments(text, { lineCounter }).forEach((doc, index) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as Record<string, unknown> | null;
    if (value === null || value === undefined || !doc.contents) return; // comments only
    const resource = {
      apiVersion: value["apiVersion"],
      kind: value["kind"],
      metadata: value["metadata"] && typeof value["metadata"] === "object" ? value["metadata"] : {},
      spec: value["spec"] && typeof value["spec"] === "object" && !Array.isArray(value["spec"]) ? value["spec"] : {},
    } as Resource;
    if (value["status"] !== undefined) resource.status = value["status"] as JsonObject;
    Object.defineProperty(resource, "raw", { value, enumerable: false });
    out.push({
      resource,
      file,
      index,
      position: at(doc.contents.range?.[0] ?? 0),
      positionOf: (path) => at(offsetOf(doc, path)),
    });
  });
  return out;
}

export function docsFromFile(path: string, name = path): ParsedDocument[] {
  return docsFromYaml(readFileSync(path, "utf8"), name);
}

/** The node at path; for a missing one, where its nearest ancestor is named (its key), as the real parser does. */
function offsetOf(doc: Document, path: ReadonlyArray<string | number>): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  let named = offset;
  for (const seg of path) {
    let next: unknown;
    let keyOffset: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      keyOffset = pair ? (pair.key as Node).range?.[0] : undefined;
      next = pair ? (pair.value ?? pair.key) : undefined;
    } else if (isSeq(node) && typeof seg === "number") next = node.items[seg];
    if (next === undefined || next === null) return named;
    node = next;
    offset = (node as Node).range?.[0] ?? offset;
    named = keyOffset ?? offset;
  }
  return offset;
}
