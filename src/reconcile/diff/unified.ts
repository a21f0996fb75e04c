/**
 * @module Unified diff of two texts, in the format diff(1) -u and git print:
 * `---`/`+++` headers, `@@ -a,b +c,d @@` hunks, and lines of context.
 */
import { diffSequences, type Edit } from "./myers.js";

export interface UnifiedDiffOptions {
  /** Label of the old side, printed after `--- `. */
  fromLabel?: string;
  /** Label of the new side, printed after `+++ `. */
  toLabel?: string;
  /** Unchanged lines shown around each change. */
  context?: number;
}

const NO_NEWLINE = "\\ No newline at end of file";

/** Lines of a text; a missing final newline is remembered, not lost. */
interface Lines {
  lines: string[];
  endsWithNewline: boolean;
}

function splitLines(text: string): Lines {
  if (text === "") return { lines: [], endsWithNewline: true };
  const lines = text.split("\n");
  const endsWithNewline = lines[lines.length - 1] === "";
  if (endsWithNewline) lines.pop();
  return { lines, endsWithNewline };
}

/** A last line without its newline must not match the same text with one. */
function comparable(text: Lines): string[] {
  if (text.endsWithNewline || text.lines.length === 0) return text.lines;
  return [...text.lines.slice(0, -1), `${text.lines[text.lines.length - 1]}\u0000`];
}

/** An empty string when the texts are equal. */
export function unifiedDiff(before: string, after: string, opts: UnifiedDiffOptions = {}): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const context = opts.context ?? 3;

  const edits = diffSequences(comparable(a), comparable(b));
  const out = [`--- ${opts.fromLabel ?? "a"}`, `+++ ${opts.toLabel ?? "b"}`];
  for (const hunk of groupHunks(edits, context)) {
    out.push(hunkHeader(hunk, edits));
    for (let i = hunk.start; i < hunk.end; i++) {
      const e = edits[i] as Edit;
      if (e.op === "insert") {
        out.push(`+${b.lines[e.bIndex]}`);
        if (!b.endsWithNewline && e.bIndex === b.lines.length - 1) out.push(NO_NEWLINE);
      } else {
        out.push(`${e.op === "delete" ? "-" : " "}${a.lines[e.aIndex]}`);
        const lastOfA = !a.endsWithNewline && e.aIndex === a.lines.length - 1;
        const lastOfB = e.op === "equal" && !b.endsWithNewline && e.bIndex === b.lines.length - 1;
        if (lastOfA || lastOfB) out.push(NO_NEWLINE);
      }
    }
  }
  return out.join("\n") + "\n";
}

/** A half-open range of edit indices printed as one `@@` hunk. */
interface Hunk {
  start: number;
  end: number;
}

/** Changes closer than twice the context share a hunk, as in diff(1). */
function groupHunks(edits: readonly Edit[], context: number): Hunk[] {
  const hunks: Hunk[] = [];
  let current: Hunk | undefined;
  edits.forEach((e, i) => {
    if (e.op === "equal") return;
    const start = Math.max(0, i - context);
    if (current && start <= current.end) {
      current.end = Math.min(edits.length, i + 1 + context);
    } else {
      current = { start, end: Math.min(edits.length, i + 1 + context) };
      hunks.push(current);
    }
  });
  return hunks;
}

/**
 * `@@ -start,count +start,count @@`; a count of 1 is left out, and an empty
 * range starts at the line before it (diff(1) -u and git agree on both).
 */
function hunkHeader(hunk: Hunk, edits: readonly Edit[]): string {
  let aCount = 0;
  let bCount = 0;
  let aFirst: number | undefined;
  let bFirst: number | undefined;
  for (let i = hunk.start; i < hunk.end; i++) {
    const e = edits[i] as Edit;
    if (e.op !== "insert") {
      aFirst ??= e.aIndex;
      aCount++;
    }
    if (e.op !== "delete") {
      bFirst ??= e.bIndex;
      bCount++;
    }
  }
  const first = edits[hunk.start] as Edit;
  const range = (firstIndex: number | undefined, fallback: number, count: number): string => {
    const start = count === 0 ? fallback : (firstIndex as number) + 1;
    return count === 1 ? `${start}` : `${start},${count}`;
  };
  // With no line on a side, the hunk sits after the lines that precede it there.
  return `@@ -${range(aFirst, first.aIndex, aCount)} +${range(bFirst, first.bIndex, bCount)} @@`;
}
