/**
 * @module Multi-document YAML parsing with file:line:column positions for
 * every node, so any later diagnostic can point at the field it is about.
 */
import { Composer, isMap, isPair, isScalar, isSeq, LineCounter, Parser, Scalar, visit, type CST, type Document, type Node, type YAMLError } from "yaml";
import type { Diagnostic } from "./diagnostics.js";
import { cstShape, dataDepthExceeds, MAX_ALIAS_EXPANSION, MAX_NESTING_DEPTH, type CstShape } from "./yaml-limits.js";
import { contentStart, documentSpans, loadDocument, type Span } from "./fast-load.js";
import type { JsonObject, ParsedDocument, Resource, SourcePosition } from "./types.js";

export interface ParseResult {
  documents: ParsedDocument[];
  diagnostics: Diagnostic[];
}

/** Parses every document of one file; empty documents (comments only) are skipped. */
export function parseManifestText(text: string, file: string): ParseResult {
  return withPositions(text, file, parseManifestData(text, file));
}

/** One parsed document as plain data: what a parsing worker hands back. */
export interface DocumentData {
  raw: Record<string, unknown>;
  /** The YAML document it came from. */
  index: number;
  position: SourcePosition;
  /** Where it sits in that document: `[]`, or `["items", i]` inside a `kind: List`. */
  prefix: (string | number)[];
  /** The piece of the file `index` counts in (fast-load.ts); the whole file when absent. */
  span?: Span;
}

export interface ParsedData {
  documents: DocumentData[];
  diagnostics: Diagnostic[];
}

/**
 * The documents of a parsed file with their field positions: those are
 * needed only when something is reported, so the YAML trees are not kept
 * alive for them: the file is parsed again on first use.
 */
export function withPositions(text: string, file: string, data: ParsedData): ParseResult {
  // Parsed again per document (or per file, when read whole); a few are kept, as diagnostics come in bursts.
  const reparsed = new Map<number, { docs: Document[]; lines: LineCounter }>();
  const lazyAt = (span: Span | undefined, index: number, path: ReadonlyArray<string | number>): SourcePosition => {
    const key = span?.start ?? -1;
    let r = reparsed.get(key);
    if (!r) {
      const lines = new LineCounter();
      r = { docs: composeDocuments(span ? text.slice(span.start, span.end) : text, lines).docs, lines };
      if (reparsed.size >= 8) reparsed.clear();
      reparsed.set(key, r);
    }
    // A span holds one document.
    const d = r.docs[span ? 0 : index];
    const first = span?.line ?? 1;
    if (!d) return { file, line: first, column: 1 };
    const p = r.lines.linePos(offsetOf(d, path));
    return { file, line: p.line + first - 1, column: p.col };
  };
  const documents = data.documents.map(
    (d): ParsedDocument => ({
      resource: toResource(d.raw),
      file,
      index: d.index,
      position: d.position,
      positionOf: (path) => lazyAt(d.span, d.index, [...d.prefix, ...path]),
    }),
  );
  return { documents, diagnostics: data.diagnostics };
}

/** Above this, a document js-yaml cannot read is not handed to `yaml` (seventy times its size in memory): js-yaml's error is reported. */
const MAX_YAML_DOCUMENT_BYTES = 8 * 1024 * 1024;

/**
 * Parses one file into plain data (documents and syntax diagnostics), with
 * no YAML tree kept: each document by js-yaml where it can, by `yaml` where
 * it must (see fast-load.ts).
 */
export function parseManifestData(text: string, file: string): ParsedData {
  const spans = documentSpans(text);
  const out: ParsedData = spans ? { documents: [], diagnostics: [] } : parseWithYaml(text, file);
  // Comments before the first `---` are no document of their own.
  const skipFirst = spans !== undefined && spans.length > 1 && !text.startsWith("---", spans[0]!.start) && contentStart(text, spans[0]!).offset === spans[0]!.end;
  for (const [ordinal, span] of (spans ?? []).entries()) {
    const index = ordinal - (skipFirst ? 1 : 0);
    const piece = text.slice(span.start, span.end);
    const loaded = loadDocument(piece);
    if ("value" in loaded) {
      const v = loaded.value;
      if (v === null) continue;
      if (typeof v === "object" && !Array.isArray(v) && (v as Record<string, unknown>)["kind"] !== "List") {
        const start = contentStart(text, span);
        out.documents.push({ raw: v as Record<string, unknown>, index, position: { file, line: start.line, column: start.column }, prefix: [], span });
        continue;
      }
    }
    if ("syntax" in loaded && piece.length > MAX_YAML_DOCUMENT_BYTES) {
      const mark = loaded.syntax.mark;
      out.diagnostics.push({
        severity: "error",
        code: "yaml-syntax",
        message: `YAML syntax error: ${loaded.syntax.reason}`,
        position: { file, line: span.line + (mark?.line ?? 0), column: (mark?.column ?? 0) + 1 },
        hint: "fix the YAML syntax at this position (indentation, quoting, a missing ':' or closing bracket)",
      });
      continue;
    }
    const slow = parseWithYaml(piece, file, span, index);
    out.documents.push(...slow.documents);
    out.diagnostics.push(...slow.diagnostics);
  }
  if (out.documents.length === 0 && out.diagnostics.length === 0) {
    out.diagnostics.push({
      severity: "error",
      code: "empty",
      message: "file holds no manifest documents",
      position: { file, line: 1, column: 1 },
      hint: "add at least one document with apiVersion, kind, metadata and spec, or remove the file",
    });
  }
  return out;
}

/** Parses text (a file, or one document of it: `span`) with `yaml`: its documents as data and its syntax diagnostics. */
function parseWithYaml(text: string, file: string, span?: Span, indexBase = 0): ParsedData {
  const lineCounter = new LineCounter();
  const baseLine = span?.line ?? 1;
  const { docs, shapes } = composeDocuments(text, lineCounter);
  const documents: DocumentData[] = [];
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number): SourcePosition => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line + baseLine - 1, column: p.col };
  };
  const where = span ? { span } : {};
  docs.forEach((doc, index) => {
    const shape = shapes[index] ?? {};
    if (shape.tooDeepAt !== undefined) {
      diagnostics.push(tooDeep(at(shape.tooDeepAt)));
      return;
    }
    if (doc.errors.length > 0) {
      // Later syntax errors in a document are mostly echoes of the first one.
      const err = doc.errors[0]!;
      const more = doc.errors.length - 1;
      const unclosed = unclosedConstruct(doc, err);
      diagnostics.push({
        severity: "error",
        code: "yaml-syntax",
        message: `YAML syntax error: ${unclosed?.message ?? firstLine(err.message)}${more > 0 ? ` (and ${more} more in this document, most likely caused by this one)` : ""}`,
        position: at(unclosed?.offset ?? err.pos[0]),
        hint:
          unclosed?.hint ??
          "fix the YAML syntax at this position (indentation, quoting — a value holding ': ' or starting with '{' needs quotes —, a missing ':' or closing bracket)",
      });
      return;
    }
    // A document of comments only (or an explicit null) holds nothing to apply.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
    const position = at(doc.contents.range?.[0] ?? 0);
    if (!isMap(doc.contents)) {
      diagnostics.push({
        severity: "error",
        code: "not-mapping",
        message: `document ${index + 1} is a ${describeNode(doc.contents)}, not a mapping`,
        position,
        hint: "each document must be a mapping with apiVersion, kind, metadata and spec",
      });
      return;
    }
    const value = toData(doc, shape, at);
    if ("diagnostic" in value) {
      diagnostics.push(value.diagnostic);
      return;
    }
    // A `kind: List` (as `get -o json` and `export -o json` print) holds documents in `items`.
    if (value.data["kind"] === "List" && Array.isArray(value.data["items"])) {
      (value.data["items"] as unknown[]).forEach((item, i) => {
        const prefix = ["items", i];
        if (!item || typeof item !== "object" || Array.isArray(item)) {
          diagnostics.push({ severity: "error", code: "not-mapping", message: `items[${i}] of the List is not a mapping`, position: at(offsetOf(doc, prefix)) });
          return;
        }
        documents.push({ raw: item as Record<string, unknown>, index: indexBase + index, position: at(offsetOf(doc, prefix)), prefix, ...where });
      });
      return;
    }
    documents.push({ raw: value.data, index: indexBase + index, position, prefix: [], ...where });
  });

  return { documents, diagnostics };
}

/**
 * Every document of a file with its shape (nesting depth, first alias): the
 * CST of each document is checked before it is composed, so a document
 * nested past the limit is never handed to the (recursive) composer.
 */
function composeDocuments(text: string, lineCounter: LineCounter): { docs: Document[]; shapes: CstShape[] } {
  const docs: Document[] = [];
  const shapes: CstShape[] = [];
  const composer = new Composer({ prettyErrors: false, uniqueKeys: true });
  const parser = new Parser(lineCounter.addNewLine);
  // The composer hands a document back only once the next one starts: shapes wait in order.
  const pending: CstShape[] = [];
  const take = (produced: Iterable<Document.Parsed>): void => {
    for (const d of produced) {
      docs.push(d as Document);
      shapes.push(pending.shift() ?? {});
    }
  };
  for (const token of parser.parse(text)) {
    if (token.type === "document") {
      const shape = cstShape(token);
      pending.push(shape);
      // Too deep: composed as an empty document, so indexes stay those of the file.
      if (shape.tooDeepAt !== undefined) delete (token as { value?: CST.Token }).value;
    }
    take(composer.next(token));
  }
  take(composer.end());
  return { docs, shapes };
}

/** A composed document as plain data, or why it cannot be (an alias bomb, nesting through aliases). */
function toData(doc: Document, shape: CstShape, at: (offset: number) => SourcePosition): { data: Record<string, unknown> } | { diagnostic: Diagnostic } {
  const aliasAt = at(shape.firstAliasAt ?? doc.contents?.range?.[0] ?? 0);
  let data: Record<string, unknown>;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION }) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ReferenceError) {
      return {
        diagnostic: {
          severity: "error",
          code: "aliases",
          message: `the aliases of this document expand into more than ${MAX_ALIAS_EXPANSION} nodes (an alias bomb?); the first alias is here`,
          position: aliasAt,
          hint: `aliases (*name) may stand for at most ${MAX_ALIAS_EXPANSION} nodes in one document: write the repeated parts out, or use fewer aliases of aliases`,
        },
      };
    }
    if (err instanceof RangeError) return { diagnostic: tooDeep(aliasAt, true) };
    throw err;
  }
  // Aliases can nest a shared node inside itself or another: the data may be deeper than the text.
  if (shape.firstAliasAt !== undefined && dataDepthExceeds(data)) return { diagnostic: tooDeep(aliasAt, true) };
  return { data };
}

function tooDeep(position: SourcePosition, throughAliases = false): Diagnostic {
  return {
    severity: "error",
    code: "too-deep",
    message: `mappings and lists nest more than ${MAX_NESTING_DEPTH} levels deep${throughAliases ? " through its aliases; the first alias is here" : "; the level past the limit starts here"}`,
    position,
    hint: `manifests may nest at most ${MAX_NESTING_DEPTH} levels of mappings and lists: flatten the structure`,
  };
}

/** Loosely shapes a parsed mapping as a Resource; validation reports what is missing. */
function toResource(value: Record<string, unknown>): Resource {
  const metadata = value["metadata"];
  const spec = value["spec"];
  const resource: Resource = {
    apiVersion: value["apiVersion"] as string,
    kind: value["kind"] as string,
    metadata: (metadata && typeof metadata === "object" ? metadata : {}) as Resource["metadata"],
    spec: (spec && typeof spec === "object" && !Array.isArray(spec) ? spec : {}) as JsonObject,
  };
  // Keep the raw envelope visible to validation (extra top-level keys, a wrong spec type).
  Object.defineProperty(resource, "raw", { value, enumerable: false });
  return resource;
}

/** The raw mapping a Resource was parsed from, when it came from parseManifestText. */
export function rawOf(resource: Resource): Record<string, unknown> | undefined {
  return (resource as unknown as { raw?: Record<string, unknown> }).raw;
}

interface Unclosed {
  offset: number;
  message: string;
  hint: string;
}

/**
 * An unclosed quote or flow collection is reported by the parser where the
 * input ran out (often the end of the file); the node it built still starts
 * where the construct opens and ends exactly at the error, so that node is
 * found and its start reported instead. Innermost first, as the parser
 * reports nested ones.
 */
function unclosedConstruct(doc: Document, err: YAMLError): Unclosed | undefined {
  const end = err.pos[0];
  const quote = /Missing closing (["'])quote/.exec(err.message)?.[1];
  const flow = /^Flow (sequence|map)\b.*end with a ([\]}])/.exec(err.message);
  if (!quote && !flow) return undefined;
  let found: Node | undefined;
  const consider = (node: Node): void => {
    const r = node.range;
    if (r && r[1] === end && r[0] < end && (!found || r[0] > found.range![0])) found = node;
  };
  visit(doc, {
    Scalar: (_, node) => {
      if (quote && node.type === (quote === '"' ? Scalar.QUOTE_DOUBLE : Scalar.QUOTE_SINGLE)) consider(node);
    },
    Seq: (_, node) => {
      if (flow?.[1] === "sequence" && node.flow) consider(node);
    },
    Map: (_, node) => {
      if (flow?.[1] === "map" && node.flow) consider(node);
    },
  });
  if (!found) return undefined;
  if (quote) {
    return {
      offset: found.range![0],
      message: `missing closing ${quote} for the ${quote === '"' ? "double" : "single"}-quoted value that opens here`,
      hint: `add the closing ${quote} to this value; a quoted value may span lines, so the parser read on to the end of the input looking for it`,
    };
  }
  const [, shape, close] = flow!;
  return {
    offset: found.range![0],
    message: `missing closing ${close} for the flow ${shape} that opens here`,
    hint: `add the closing ${close}, or write it as a block ${shape === "sequence" ? "list of '- ' items" : "mapping"}; a flow collection may span lines, so the parser read on looking for the ${close}`,
  };
}

/**
 * Offset of the node at path. For a path that does not exist (a missing
 * field) it is where its nearest existing ancestor is named: the key of that
 * mapping (`spec:` for a missing `spec.command`), or the start of a list item
 * (`- id: build` for a missing `spec.steps[0].command`), or the document.
 */
function offsetOf(doc: Document, path: ReadonlyArray<string | number>): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  let named = offset;
  for (const seg of path) {
    let next: unknown;
    let keyOffset: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair) {
        keyOffset = (pair.key as Node).range?.[0];
        // `key:` with no value: the key is all there is to point at.
        if (pair.value === null || pair.value === undefined) return keyOffset ?? offset;
        next = pair.value;
      }
    } else if (isSeq(node) && typeof seg === "number") {
      next = node.items[seg];
    }
    if (next === undefined || next === null) return named;
    node = next;
    const r = (node as Node).range;
    if (r) offset = r[0];
    named = keyOffset ?? offset;
  }
  return offset;
}

function describeNode(node: unknown): string {
  if (isSeq(node)) return "list";
  if (isScalar(node)) return node.value === null ? "null value" : `${typeof node.value} scalar`;
  return "non-mapping value";
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
