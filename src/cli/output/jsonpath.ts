/**
 * @module kubectl's JSONPath templates (`-o jsonpath=`, `custom-columns=`,
 * `--sort-by`), hand-written: the npm JSONPath libraries evaluate bare
 * expressions, not kubectl's templates with `{range}`/`{end}` and literals,
 * and some evaluate filters as JavaScript. This is the subset kubectl
 * documents: `$`, `@`, `.field`, `['field']`, `..field`, `*`, `[n]`,
 * `[start:end:step]`, unions `[a,b]`, filters `[?(@.x == "y")]` (`==`,
 * `!=`, `<`, `<=`, `>`, `>=`, or a bare path: exists), `{range}...{end}`
 * and `{"literal"}` text. A missing key prints nothing, as kubectl does with
 * its default `--allow-missing-template-keys`.
 */
import type { JsonValue } from "../../resources/types.js";

export class JsonPathError extends Error {
  override readonly name = "JsonPathError";
}

type Segment =
  | { t: "field"; names: string[] }
  | { t: "recursive"; name: string | null }
  | { t: "wildcard" }
  | { t: "index"; indexes: number[] }
  | { t: "slice"; start: number | null; end: number | null; step: number }
  | { t: "filter"; left: Operand; op: FilterOp | null; right: Operand | null };

type FilterOp = "==" | "!=" | "<" | "<=" | ">" | ">=";
type Operand = { t: "path"; path: Path } | { t: "literal"; value: JsonValue };

interface Path {
  /** `$`: from the root even inside a range; otherwise from the current element. */
  root: boolean;
  segments: Segment[];
}

type Node = { t: "text"; text: string } | { t: "path"; path: Path } | { t: "range"; path: Path; body: Node[] };

/** A parsed template, ready to render against any number of values. */
export interface JsonPathTemplate {
  render(data: JsonValue): string;
  /** Every value the template's expressions select (for custom-columns and --sort-by). */
  values(data: JsonValue): JsonValue[];
}

/**
 * `{.items[*].metadata.name}` as kubectl takes it. `relaxed` (custom-columns,
 * --sort-by) also takes `.metadata.name` and `metadata.name` without braces.
 */
export function parseJsonPath(template: string, opts: { relaxed?: boolean } = {}): JsonPathTemplate {
  let text = template;
  if (opts.relaxed) {
    const t = text.trim();
    if (!t.startsWith("{")) text = `{${t.startsWith(".") || t.startsWith("$") || t.startsWith("[") ? t : `.${t}`}}`;
  }
  const nodes = parseTemplate(text);
  return {
    render: (data) => renderNodes(nodes, data, data),
    values: (data) => collectValues(nodes, data, data),
  };
}

/** How a selected value is printed: strings as they are, everything else as JSON. */
export function formatValue(v: JsonValue): string {
  if (typeof v === "string") return v;
  if (v === null) return "";
  return JSON.stringify(v);
}

// ── Template: text and {actions} ─────────────────────────────────────────

function parseTemplate(text: string): Node[] {
  const root: Node[] = [];
  const stack: { body: Node[] }[] = [{ body: root }];
  let i = 0;
  let literal = "";
  const flush = (): void => {
    if (literal) stack[stack.length - 1]!.body.push({ t: "text", text: literal });
    literal = "";
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c !== "{") {
      literal += c;
      i++;
      continue;
    }
    const close = findClose(text, i);
    const action = text.slice(i + 1, close).trim();
    i = close + 1;
    flush();
    const body = stack[stack.length - 1]!.body;
    if (action === "end") {
      if (stack.length === 1) throw new JsonPathError(`{end} without {range} in '${text}'`);
      stack.pop();
    } else if (action.startsWith("range ") || action === "range") {
      const node: Node = { t: "range", path: parsePath(action.slice(5).trim(), text), body: [] };
      body.push(node);
      stack.push(node);
    } else if (action.startsWith('"') || action.startsWith("'")) {
      body.push({ t: "text", text: unquote(action, text) });
    } else if (action === "") {
      throw new JsonPathError(`empty {} in '${text}'`);
    } else {
      body.push({ t: "path", path: parsePath(action, text) });
    }
  }
  flush();
  if (stack.length > 1) throw new JsonPathError(`{range} without {end} in '${text}'`);
  return root;
}

/** The `}` that closes the action opened at `open`, skipping quoted text and brackets. */
function findClose(text: string, open: number): number {
  let quote: string | null = null;
  let depth = 0;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (c === "}" && depth <= 0) return i;
  }
  throw new JsonPathError(`unclosed '{' in '${text}'`);
}

function unquote(s: string, template: string): string {
  const q = s[0]!;
  if (s.length < 2 || s[s.length - 1] !== q) throw new JsonPathError(`unterminated string ${s} in '${template}'`);
  const body = s.slice(1, -1);
  return body.replace(/\\(.)/g, (_, ch: string) => ({ n: "\n", t: "\t", r: "\r" })[ch] ?? ch);
}

// ── Paths ────────────────────────────────────────────────────────────────

function parsePath(expr: string, template: string): Path {
  const p = new PathParser(expr, template);
  return p.path();
}

class PathParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly template: string,
  ) {}

  path(stopAt: ReadonlySet<string> = new Set()): Path {
    this.skipSpace();
    let root = false;
    if (this.peek() === "$") {
      root = true;
      this.i++;
    } else if (this.peek() === "@") this.i++;
    const segments: Segment[] = [];
    while (this.i < this.s.length && !stopAt.has(this.peek())) {
      const c = this.peek();
      if (c === ".") {
        if (this.s[this.i + 1] === ".") {
          this.i += 2;
          if (this.peek() === "*") {
            this.i++;
            segments.push({ t: "recursive", name: null });
          } else segments.push({ t: "recursive", name: this.ident() });
        } else {
          this.i++;
          if (this.i >= this.s.length || stopAt.has(this.peek())) break; // `{.}`: the current value
          if (this.peek() === "*") {
            this.i++;
            segments.push({ t: "wildcard" });
          } else if (this.peek() === "[") continue;
          else segments.push({ t: "field", names: [this.ident()] });
        }
      } else if (c === "[") {
        segments.push(this.bracket());
      } else if (/\s/.test(c)) {
        break;
      } else if (segments.length === 0 && !root) {
        // `metadata.name` without the leading dot, inside filters as `@.x` is usual.
        segments.push({ t: "field", names: [this.ident()] });
      } else {
        throw this.error(`unexpected '${c}'`);
      }
    }
    return { root, segments };
  }

  private bracket(): Segment {
    this.i++; // [
    this.skipSpace();
    const c = this.peek();
    let seg: Segment;
    if (c === "*") {
      this.i++;
      seg = { t: "wildcard" };
    } else if (c === "?") {
      this.i++;
      this.expect("(");
      seg = this.filter();
      this.expect(")");
    } else if (c === "'" || c === '"') {
      const names = [this.quoted()];
      this.skipSpace();
      while (this.peek() === ",") {
        this.i++;
        this.skipSpace();
        names.push(this.quoted());
        this.skipSpace();
      }
      seg = { t: "field", names };
    } else {
      seg = this.indexOrSlice();
    }
    this.skipSpace();
    this.expect("]");
    return seg;
  }

  private indexOrSlice(): Segment {
    const body = this.until("]");
    if (body.includes(":")) {
      const parts = body.split(":").map((x) => x.trim());
      if (parts.length > 3) throw this.error(`bad slice [${body}]`);
      const num = (x: string | undefined): number | null => (x === undefined || x === "" ? null : this.int(x));
      return { t: "slice", start: num(parts[0]), end: num(parts[1]), step: num(parts[2]) ?? 1 };
    }
    return { t: "index", indexes: body.split(",").map((x) => this.int(x.trim())) };
  }

  private filter(): Segment {
    const left = this.operand();
    this.skipSpace();
    const m = /^(==|!=|<=|>=|<|>)/.exec(this.s.slice(this.i));
    if (!m) return { t: "filter", left, op: null, right: null };
    this.i += m[1]!.length;
    const right = this.operand();
    this.skipSpace();
    return { t: "filter", left, op: m[1] as FilterOp, right };
  }

  private operand(): Operand {
    this.skipSpace();
    const c = this.peek();
    if (c === "@" || c === "$") return { t: "path", path: this.path(new Set([" ", "=", "!", "<", ">", ")"])) };
    if (c === "'" || c === '"') return { t: "literal", value: this.quoted() };
    const m = /^(-?\d+(\.\d+)?|true|false|null)/.exec(this.s.slice(this.i));
    if (!m) throw this.error(`expected @, a string or a number in a filter`);
    this.i += m[1]!.length;
    return { t: "literal", value: JSON.parse(m[1]!) as JsonValue };
  }

  /** A field name: letters, digits, '_', '-', '/', and any character after a backslash (`app\.kubernetes\.io/name`). */
  private ident(): string {
    let out = "";
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === "\\" && this.i + 1 < this.s.length) {
        out += this.s[this.i + 1];
        this.i += 2;
      } else if (/[A-Za-z0-9_\-/:]/.test(c)) {
        out += c;
        this.i++;
      } else break;
    }
    if (!out) throw this.error("expected a field name");
    return out;
  }

  private quoted(): string {
    const q = this.peek();
    let out = "";
    this.i++;
    while (this.i < this.s.length && this.s[this.i] !== q) {
      if (this.s[this.i] === "\\") this.i++;
      out += this.s[this.i] ?? "";
      this.i++;
    }
    if (this.i >= this.s.length) throw this.error("unterminated string");
    this.i++;
    return out;
  }

  private until(end: string): string {
    const j = this.s.indexOf(end, this.i);
    if (j < 0) throw this.error(`missing '${end}'`);
    const body = this.s.slice(this.i, j);
    this.i = j;
    return body;
  }

  private int(x: string): number {
    if (!/^-?\d+$/.test(x)) throw this.error(`'${x}' is not a whole number`);
    return Number(x);
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.peek() !== c) throw this.error(`expected '${c}'`);
    this.i++;
  }

  private skipSpace(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private peek(): string {
    return this.s[this.i] ?? "";
  }

  private error(what: string): JsonPathError {
    return new JsonPathError(`${what} at position ${this.i + 1} of '${this.s}' in JSONPath '${this.template}'`);
  }
}

// ── Evaluation ───────────────────────────────────────────────────────────

const isObj = (v: JsonValue | undefined): v is { [k: string]: JsonValue } => typeof v === "object" && v !== null && !Array.isArray(v);

function evaluate(path: Path, root: JsonValue, current: JsonValue): JsonValue[] {
  let values: JsonValue[] = [path.root ? root : current];
  for (const seg of path.segments) values = values.flatMap((v) => step(seg, v, root));
  return values;
}

function step(seg: Segment, v: JsonValue, root: JsonValue): JsonValue[] {
  switch (seg.t) {
    case "field":
      return isObj(v) ? seg.names.filter((n) => Object.hasOwn(v, n)).map((n) => v[n]!) : [];
    case "wildcard":
      return Array.isArray(v) ? v : isObj(v) ? Object.values(v) : [];
    case "recursive": {
      const out: JsonValue[] = [];
      const walk = (x: JsonValue): void => {
        if (isObj(x)) {
          if (seg.name === null) out.push(...Object.values(x));
          else if (Object.hasOwn(x, seg.name)) out.push(x[seg.name]!);
          Object.values(x).forEach(walk);
        } else if (Array.isArray(x)) {
          if (seg.name === null) out.push(...x);
          x.forEach(walk);
        }
      };
      walk(v);
      return out;
    }
    case "index":
      if (!Array.isArray(v)) return [];
      return seg.indexes.map((n) => v[n < 0 ? v.length + n : n]).filter((x): x is JsonValue => x !== undefined);
    case "slice": {
      if (!Array.isArray(v)) return [];
      const len = v.length;
      const norm = (n: number | null, dflt: number): number => (n === null ? dflt : n < 0 ? Math.max(0, len + n) : Math.min(n, len));
      const out: JsonValue[] = [];
      if (seg.step <= 0) throw new JsonPathError("a slice step must be positive");
      for (let i = norm(seg.start, 0); i < norm(seg.end, len); i += seg.step) out.push(v[i]!);
      return out;
    }
    case "filter": {
      const candidates = Array.isArray(v) ? v : isObj(v) ? Object.values(v) : [];
      return candidates.filter((c) => matches(seg, c, root));
    }
  }
}

function operandValues(o: Operand, root: JsonValue, current: JsonValue): JsonValue[] {
  return o.t === "literal" ? [o.value] : evaluate(o.path, root, current);
}

function matches(f: Extract<Segment, { t: "filter" }>, current: JsonValue, root: JsonValue): boolean {
  const left = operandValues(f.left, root, current);
  if (f.op === null || f.right === null) return left.length > 0 && left[0] !== null && left[0] !== false;
  const right = operandValues(f.right, root, current);
  return left.some((l) => right.some((r) => compare(l, f.op!, r)));
}

function compare(l: JsonValue, op: FilterOp, r: JsonValue): boolean {
  if (op === "==") return JSON.stringify(l) === JSON.stringify(r);
  if (op === "!=") return JSON.stringify(l) !== JSON.stringify(r);
  if (typeof l === "number" && typeof r === "number") return op === "<" ? l < r : op === "<=" ? l <= r : op === ">" ? l > r : l >= r;
  if (typeof l === "string" && typeof r === "string") return op === "<" ? l < r : op === "<=" ? l <= r : op === ">" ? l > r : l >= r;
  return false;
}

function renderNodes(nodes: readonly Node[], root: JsonValue, current: JsonValue): string {
  let out = "";
  for (const n of nodes) {
    if (n.t === "text") out += n.text;
    else if (n.t === "path") out += evaluate(n.path, root, current).map(formatValue).join(" ");
    else for (const v of evaluate(n.path, root, current)) out += renderNodes(n.body, root, v);
  }
  return out;
}

function collectValues(nodes: readonly Node[], root: JsonValue, current: JsonValue): JsonValue[] {
  const out: JsonValue[] = [];
  for (const n of nodes) {
    if (n.t === "path") out.push(...evaluate(n.path, root, current));
    else if (n.t === "range") for (const v of evaluate(n.path, root, current)) out.push(...collectValues(n.body, root, v));
  }
  return out;
}
