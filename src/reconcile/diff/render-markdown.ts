/**
 * @module `orchestrator diff -o markdown`, ready to post as a pull-request
 * comment: a hidden marker (so a CI job finds and updates its one comment),
 * the summary table, what could not be diffed, then each changed resource
 * in a `<details>` block with its field list and `diff`, then errors and
 * warnings.
 *
 * The whole fits a GitHub comment (65,536 characters): when it would not,
 * the largest diffs are folded to one line each, then (for very large
 * changes) the last resources are left out, and a note says what was cut.
 * Manifest text only ever appears inside code or HTML-escaped, so it cannot
 * inject markup, links, mentions or HTML into the comment.
 */
import { formatDiagnostic, type Diagnostic } from "../../resources/diagnostics.js";
import { countDrift, failureLine, hasChanges, isShown, markNotes, orderDiagnostics, orderDiffs, plural, resourceRef, summarizeDiffs, type DiffFailure } from "./report.js";
import type { DiffAction, ResourceDiff } from "./resource-diff.js";

/** The hidden first line a CI job looks for to update its comment instead of adding one. */
export const DIFF_COMMENT_MARKER = "<!-- orchestrator-diff -->";

/** GitHub's limit on the body of an issue or pull-request comment, in characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface MarkdownRenderOptions {
  /** Heading of the comment. */
  title?: string;
  /** Sources (or paths) that could not be diffed. */
  failures?: readonly DiffFailure[];
  /** Longest output, in characters (default: under GitHub's comment limit). */
  maxLength?: number;
}

const HEADING: Record<DiffAction, string> = {
  create: "Create",
  update: "Update",
  delete: "Delete",
  unchanged: "Unchanged",
};

/** Room kept for the note that says what was cut. */
const NOTE_ROOM = 600;

/** One resource: its full `<details>` block and its one-line folded form. */
interface Entry {
  full: string;
  folded: string;
  state: "full" | "folded" | "omitted";
}

export function renderDiffMarkdown(
  diffs: readonly ResourceDiff[],
  diagnostics: readonly Diagnostic[],
  opts: MarkdownRenderOptions = {},
): string {
  const limit = (opts.maxLength ?? GITHUB_COMMENT_LIMIT) - 1;
  const head = headBlocks(diffs, diagnostics, opts).join("\n\n");
  const entries = orderDiffs(diffs).filter(isShown).map(entryOf);
  // Errors and warnings may take at most half the room; the resources the rest.
  const tail = diagnosticBlocks(diagnostics, Math.floor(limit / 2));
  fit(entries, limit - head.length - tail.length - NOTE_ROOM);
  let out = assemble(head, entries, tail);
  // Sizes above are counted per entry; the assembled text has the last word.
  while (out.length > limit && omitFromEnd(entries, out.length - limit)) out = assemble(head, entries, tail);
  return out;
}

function assemble(head: string, entries: readonly Entry[], tail: string): string {
  const folded = entries.filter((e) => e.state === "folded").length;
  const omitted = entries.filter((e) => e.state === "omitted").length;
  const blocks = [head, ...resourceBlocks(entries)];
  if (folded || omitted) blocks.push(cutNote(folded, omitted));
  if (tail) blocks.push(tail);
  return blocks.join("\n\n") + "\n";
}

/** Leaves out listed entries from the end until `excess` characters are gone; false when none is left. */
function omitFromEnd(entries: Entry[], excess: number): boolean {
  let removed = 0;
  for (let i = entries.length - 1; i >= 0 && removed < excess; i--) {
    const e = entries[i]!;
    if (e.state === "omitted") continue;
    removed += (e.state === "full" ? e.full.length : e.folded.length) + 1;
    e.state = "omitted";
  }
  return removed > 0;
}

function headBlocks(diffs: readonly ResourceDiff[], diagnostics: readonly Diagnostic[], opts: MarkdownRenderOptions): string[] {
  const s = summarizeDiffs(diffs);
  const { errors, warnings } = orderDiagnostics(diagnostics);
  const failures = opts.failures ?? [];
  const blocks = [
    `${DIFF_COMMENT_MARKER}\n### ${escapeText(opts.title ?? "orchestrator diff")}`,
    [
      "| Create | Update | Delete | Unchanged | Errors | Warnings |",
      "| ---: | ---: | ---: | ---: | ---: | ---: |",
      // A failure is an error too: a table reading "0 errors" must never sit over one.
      `| ${s.create} | ${s.update} | ${s.delete} | ${s.unchanged} | ${errors.length + failures.length} | ${warnings.length} |`,
    ].join("\n"),
  ];
  if (failures.length) {
    const what = failures.every((f) => f.source !== null) ? `Could not diff ${plural(failures.length, "source")}; the changes below leave ${failures.length === 1 ? "it" : "them"} out:` : "The diff could not be computed:";
    blocks.push(`**${what}**`, failures.map((f) => `- ${escapeText(failureLine(f))}`).join("\n"));
  }
  const drift = countDrift(diffs);
  if (drift) blocks.push(`**${plural(drift, "resource")} drifted** (changed or deleted out of band): sync puts ${drift === 1 ? "it" : "them"} back.`);
  if (!hasChanges(diffs) && failures.length === 0) blocks.push("No changes.");
  return blocks;
}

function entryOf(d: ResourceDiff): Entry {
  const heading = d.action === "unchanged" && d.ownership ? (d.ownership.change === "adopt" ? "Adopt" : "Release") : HEADING[d.action];
  const notes = markNotes(d);
  const project = d.project ? ` in project ${code(d.project)}` : "";
  const fields = d.changes.length ? ` (${plural(d.changes.length, "field")})` : "";
  const summary = `${heading}: ${code(resourceRef(d))}${project}${fields}${notes.length ? ` (${escapeHtml(notes.join("; "))})` : ""}`;
  const body: string[] = [];
  if (d.changes.length) body.push(d.changes.map((c) => `- ${codeSpan(c.path)} ${c.op}`).join("\n"));
  if (d.unified) body.push(fenced("diff", d.unified));
  const full = `<details>\n<summary>${summary}</summary>\n\n${body.join("\n\n")}${body.length ? "\n\n" : ""}</details>`;
  const lines = d.unified ? d.unified.split("\n").length : 0;
  const folded = `- ${summary}: diff of ${plural(lines, "line")} folded`;
  return { full, folded, state: "full" };
}

/**
 * Folds the largest diffs first until the entries fit `room`; when even one
 * line each is too much, leaves out entries from the end.
 */
function fit(entries: Entry[], room: number): void {
  let size = entries.reduce((n, e) => n + e.full.length + 2, 0);
  if (size <= room) return;
  const bySize = entries.map((e, i) => [e.full.length, i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of bySize) {
    if (size <= room) break;
    const e = entries[i]!;
    size -= e.full.length - e.folded.length - 1; // folded lines are joined by one newline, not two
    e.state = "folded";
  }
  for (let i = entries.length - 1; i >= 0 && size > room; i--) {
    const e = entries[i]!;
    size -= e.state === "full" ? e.full.length + 2 : e.folded.length + 1;
    e.state = "omitted";
  }
}

/** Full entries as blocks; consecutive folded ones as one list. */
function resourceBlocks(entries: readonly Entry[]): string[] {
  const blocks: string[] = [];
  let list: string[] = [];
  const flush = (): void => {
    if (list.length) blocks.push(list.join("\n"));
    list = [];
  };
  for (const e of entries) {
    if (e.state === "folded") list.push(e.folded);
    else {
      flush();
      if (e.state === "full") blocks.push(e.full);
    }
  }
  flush();
  return blocks;
}

function cutNote(folded: number, omitted: number): string {
  const parts: string[] = [];
  if (folded) parts.push(`${plural(folded, "diff")} folded to one line each, largest first`);
  if (omitted) parts.push(`the last ${plural(omitted, "resource")} not listed (${omitted === 1 ? "it is" : "they are"} counted in the table)`);
  return `> **Cut to fit a GitHub comment (${GITHUB_COMMENT_LIMIT.toLocaleString("en-US")} characters):** ${parts.join("; ")}. Run \`orchestrator diff\` (or \`-o json\`) for the whole diff.`;
}

/** Errors, then warnings, each list cut with a count once it would pass `room`. */
function diagnosticBlocks(diagnostics: readonly Diagnostic[], room: number): string {
  const { errors, warnings } = orderDiagnostics(diagnostics);
  const blocks: string[] = [];
  let left = room;
  for (const [list, word] of [[errors, "error"], [warnings, "warning"]] as const) {
    if (!list.length) continue;
    const heading = `#### ${plural(list.length, word)}`;
    const items: string[] = [];
    left -= heading.length + 4;
    let i = 0;
    for (; i < list.length; i++) {
      const item = diagnosticItem(list[i]!);
      if (item.length + 1 > left - 100) break;
      items.push(item);
      left -= item.length + 1;
    }
    if (i < list.length) items.push(`- … and ${plural(list.length - i, `more ${word}`)} (run \`orchestrator manifest validate\` for all)`);
    blocks.push(heading, items.join("\n"));
  }
  return blocks.join("\n\n");
}

function diagnosticItem(d: Diagnostic): string {
  const [first = "", ...rest] = formatDiagnostic(d).split("\n");
  return [`- ${escapeText(first)}`, ...rest.map((l) => `  - ${escapeText(l.trim())}`)].join("\n");
}

/** A fence longer than any backtick run inside, so the content cannot close it. */
function fenced(lang: string, body: string): string {
  const fence = "`".repeat(Math.max(3, longestBacktickRun(body) + 1));
  return `${fence}${lang}\n${body.endsWith("\n") ? body : body + "\n"}${fence}`;
}

/** Inline code that survives backticks in the text (CommonMark code spans). */
function codeSpan(text: string): string {
  const ticks = "`".repeat(longestBacktickRun(text) + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/** `<code>` for HTML contexts (a `<summary>` renders no markdown). */
function code(text: string): string {
  return `<code>${escapeHtml(text)}</code>`;
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return longest;
}

/**
 * Backslash-escapes the punctuation that could start markup, a link, HTML
 * or a mention (CommonMark allows escaping any ASCII punctuation).
 */
function escapeText(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#|~&@!]/g, (c) => `\\${c}`);
}

/** Entities for HTML text; `@` too, so no mention is made. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"'@]/g, (c) => `&#${c.charCodeAt(0)};`);
}
