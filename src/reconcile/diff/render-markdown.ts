/**
 * @module `orchestrator diff -o markdown`, ready to post as a pull-request
 * comment: a summary table, a section per changed resource with a `diff`
 * block, then errors and warnings. Manifest text only ever appears inside
 * code, so it cannot inject markup, links or HTML into the comment.
 */
import { formatDiagnostic, type Diagnostic } from "../../resources/diagnostics.js";
import { hasChanges, orderDiagnostics, orderDiffs, plural, resourceRef, summarizeDiffs } from "./report.js";
import type { DiffAction, ResourceDiff } from "./resource-diff.js";

export interface MarkdownRenderOptions {
  /** Heading of the comment. */
  title?: string;
}

const HEADING: Record<DiffAction, string> = {
  create: "Create",
  update: "Update",
  delete: "Delete",
  unchanged: "Unchanged",
};

export function renderDiffMarkdown(
  diffs: readonly ResourceDiff[],
  diagnostics: readonly Diagnostic[],
  opts: MarkdownRenderOptions = {},
): string {
  const s = summarizeDiffs(diffs);
  const { errors, warnings } = orderDiagnostics(diagnostics);
  const blocks: string[] = [
    `### ${escapeText(opts.title ?? "orchestrator diff")}`,
    [
      "| Create | Update | Delete | Unchanged | Errors | Warnings |",
      "| ---: | ---: | ---: | ---: | ---: | ---: |",
      `| ${s.create} | ${s.update} | ${s.delete} | ${s.unchanged} | ${errors.length} | ${warnings.length} |`,
    ].join("\n"),
  ];

  if (!hasChanges(diffs)) blocks.push("No changes.");
  for (const d of orderDiffs(diffs)) {
    if (d.action === "unchanged") continue;
    const project = d.project ? ` in project ${codeSpan(d.project)}` : "";
    blocks.push(`#### ${HEADING[d.action]}: ${codeSpan(resourceRef(d))}${project}`);
    if (d.changes.length) {
      blocks.push(d.changes.map((c) => `- ${codeSpan(c.path)} ${c.op}`).join("\n"));
    }
    blocks.push(fenced("diff", d.unified));
  }

  if (errors.length) blocks.push(`#### ${plural(errors.length, "error")}`, diagnosticList(errors));
  if (warnings.length) blocks.push(`#### ${plural(warnings.length, "warning")}`, diagnosticList(warnings));
  return blocks.join("\n\n") + "\n";
}

function diagnosticList(ds: readonly Diagnostic[]): string {
  return ds
    .map((d) => {
      const [first = "", ...rest] = formatDiagnostic(d).split("\n");
      return [`- ${escapeText(first)}`, ...rest.map((l) => `  - ${escapeText(l.trim())}`)].join("\n");
    })
    .join("\n");
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
