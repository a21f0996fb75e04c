/**
 * @module The fast way through a manifest file. `yaml` builds a full
 * document tree with positions for every node: about 2 MB/s, and seventy
 * times the text in memory, so 50 MB of manifests took half a minute and
 * gigabytes. Most files only need their data: each document is read by
 * js-yaml (a single pass, YAML 1.2 core schema, the same values `yaml`
 * gives), and `yaml` is asked only about documents that need it (a syntax
 * error to explain, aliases whose expansion must be bounded, a tag, a
 * List, something other than a mapping) and for positions, when a
 * diagnostic needs one, one document at a time.
 *
 * Documents are cut apart at `---` lines: a line starting with `---` and a
 * blank always starts a document in YAML (it may not appear inside any
 * scalar or collection), so each piece is a document of its own. Files with
 * directives (`%YAML`) or `...` end markers are left to `yaml` whole.
 */
import jsyaml from "js-yaml";
import { dataDepthExceeds } from "./yaml-limits.js";

type YAMLException = jsyaml.YAMLException;

/**
 * The YAML 1.2 core schema exactly as `yaml` resolves it (js-yaml's own
 * also reads `0b101`, `+0x1` and `-.5` differently): plain scalars become
 * null, booleans, integers (decimal, `0o` octal, `0x` hex) and floats.
 */
const CORE = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    new jsyaml.Type("tag:yaml.org,2002:null", { kind: "scalar", resolve: (s: string) => /^(?:~|[Nn]ull|NULL)?$/.test(s), construct: () => null }),
    new jsyaml.Type("tag:yaml.org,2002:bool", { kind: "scalar", resolve: (s: string) => /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s), construct: (s: string) => s[0] === "t" || s[0] === "T" }),
    new jsyaml.Type("tag:yaml.org,2002:int", {
      kind: "scalar",
      resolve: (s: string) => /^[-+]?[0-9]+$/.test(s) || /^0o[0-7]+$/.test(s) || /^0x[0-9a-fA-F]+$/.test(s),
      construct: (s: string) => (s.startsWith("0o") ? parseInt(s.slice(2), 8) : s.startsWith("0x") ? parseInt(s.slice(2), 16) : parseInt(s, 10)),
    }),
    new jsyaml.Type("tag:yaml.org,2002:float", {
      kind: "scalar",
      resolve: (s: string) => /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s) || /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s) || /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s),
      construct: (s: string) => (/nan$/i.test(s) ? NaN : /inf$/i.test(s) ? (s[0] === "-" ? -Infinity : Infinity) : parseFloat(s)),
    }),
  ],
});

/** One document's text: [start, end) of the file, and the line it starts on (1-based). */
export interface Span {
  start: number;
  end: number;
  line: number;
}

const MARKER = /^---(?=[ \t\r\n]|$)/gm;
const WHOLE_FILE_SYNTAX = /^(?:%|\.\.\.(?=[ \t\r\n]|$))/m;

/** The documents of a file as spans, or undefined when the file must be read whole (directives, `...`). */
export function documentSpans(text: string): Span[] | undefined {
  if (WHOLE_FILE_SYNTAX.test(text)) return undefined;
  const spans: Span[] = [];
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  MARKER.lastIndex = 0;
  for (let m = MARKER.exec(text); m; m = MARKER.exec(text)) {
    if (m.index > start) {
      spans.push({ start, end: m.index, line });
      line += countNewlines(text, start, m.index);
      start = m.index;
    } else if (m.index === start) continue;
  }
  spans.push({ start, end: text.length, line });
  return spans;
}

/**
 * Where bits of syntax start that js-yaml and `yaml` may read differently,
 * or that need `yaml`'s limits: anchors (their aliases must be bounded),
 * tags, explicit `?` keys and collections used as keys.
 */
const NEEDS_YAML = /(?:^|[\s[{,:-])[&!](?=[A-Za-z0-9_<!-])|^[ \t-]*\?(?:[ \t]|$)|^[ \t-]*[[{][^\n]*[\]}][ \t]*:(?:[ \t]|$)/m;

export type Loaded = { value: unknown } | { syntax: YAMLException } | { needsYaml: true };

/** Text that may nest deeply (long indentation, many brackets): its data's depth is measured. */
function maybeDeep(text: string): boolean {
  if (/^ {40}/m.test(text)) return true;
  let brackets = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 0x5b || c === 0x7b) && ++brackets >= 20) return true;
  }
  return false;
}

/** One document's value as js-yaml reads it; `needsYaml` when `yaml` must read it instead. */
export function loadDocument(text: string): Loaded {
  if (NEEDS_YAML.test(text)) return { needsYaml: true };
  let docs: unknown[];
  try {
    docs = jsyaml.loadAll(text, undefined, { schema: CORE });
  } catch (err) {
    // A syntax error to explain (or the stack exhausted by nesting, which yaml reports with its limit).
    return err instanceof jsyaml.YAMLException ? { syntax: err } : { needsYaml: true };
  }
  if (docs.length > 1) return { needsYaml: true };
  const value = docs[0] ?? null;
  if (maybeDeep(text) && dataDepthExceeds(value)) return { needsYaml: true };
  return { value };
}

/** Offset and line/column of the first character of a document's content (past `---`, blank lines and comments). */
export function contentStart(text: string, span: Span): { offset: number; line: number; column: number } {
  let i = span.start;
  let line = span.line;
  let lineStart = span.start;
  if (text.startsWith("---", i)) i += 3;
  while (i < span.end) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\r") i++;
    else if (c === "#") {
      const nl = text.indexOf("\n", i);
      i = nl === -1 || nl >= span.end ? span.end : nl;
    } else if (c === "\n") {
      i++;
      line++;
      lineStart = i;
    } else break;
  }
  return { offset: i, line, column: i - lineStart + 1 };
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf("\n", from); i !== -1 && i < to; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
