/**
 * @module The `{name}` placeholder syntax shared by prompt rendering and agent
 * command rendering: what counts as a placeholder and where it ends.
 */

/**
 * A placeholder is `{` + a name + `}`. Names start with a letter or `_` and go
 * on with letters, digits, `_`, `.` or `-` (step ids become `{<id>_output}`).
 * `{"json": 1}` and `{ x }` are not placeholders, so JSON in a template is safe.
 */
const NAME = /[A-Za-z_][A-Za-z0-9_.-]*/y;

export interface PlaceholderMatch {
  name: string;
  /** Index just past the closing `}`. */
  end: number;
}

/**
 * The placeholder starting at `text[start]` (which must be `{`), or undefined.
 * `${name}` is shell parameter syntax, never a placeholder.
 */
export function placeholderAt(text: string, start: number): PlaceholderMatch | undefined {
  if (text[start] !== "{" || (start > 0 && text[start - 1] === "$")) return undefined;
  NAME.lastIndex = start + 1;
  const m = NAME.exec(text);
  if (!m) return undefined;
  const end = start + 1 + m[0].length;
  if (text[end] !== "}") return undefined;
  return { name: m[0], end: end + 1 };
}

/** Every placeholder name in `text`, in order of first appearance. */
export function placeholderNames(text: string): string[] {
  const seen = new Set<string>();
  for (let i = text.indexOf("{"); i !== -1; i = text.indexOf("{", i + 1)) {
    const m = placeholderAt(text, i);
    if (m) seen.add(m.name);
  }
  return [...seen];
}
