/**
 * @module `orchestrator diff -o markdown`, ready to post as a pull-request
 * comment: what could not be diffed (first, so it is not missed), a summary
 * table, a section per changed resource with a `diff` block, then errors and
 * warnings. Manifest text only ever appears inside code, so it cannot inject
 * markup, links or HTML into the comment.
 */
import { formatDiagnostic, type Diagnostic } from "../../resources/diagnostics.js";
import { countDrift, failureLine, hasChanges, isShown, markNotes, orderDiagnostics, orderDiffs, plural, resourceRef, summarizeDiffs, type DiffFailure } from "./report.js";
import type { DiffAction, ResourceDiff } from "./resource-diff.js";

export interface MarkdownRenderOptions {
  /** Heading of the comment. */
  title?: string;
  /** Sources (or paths) that could not be diffed. */
  failures?: readonly DiffFailure[];
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
  const failures = opts.failures ?? [];
  const blocks: string[] = [`### ${escapeText(opts.title ?? "orchestrator diff")}`];
  if (failures.length) {
    const what = failures.every((f) => f.source !== null) ? `Could not diff ${plural(failures.length, "source")}; the changes below leave ${failures.length === 1 ? "it" : "them"} out:` : "The diff could not be computed:";
    blocks.push(`**${what}**`, failures.map((f) => `- ${escapeText(failureLine(f))}`).join("\n"));
  }
  blocks.push(
    [
      "| Create | Update | Delete | Unchanged | Errors | Warnings |",
      "| ---: | ---: | ---: | ---: | ---: | ---: |",
      // A failure is an error too: a table reading "0 errors" must never sit under one.
      `| ${s.create} | ${s.update} | ${s.delete} | ${s.unchanged} | ${errors.length + failures.length} | ${warnings.length} |`,
    ].join("\n"),
  );
  const drift = countDrift(diffs);
  if (drift) blocks.push(`**${plural(drift, "resource")} drifted** (changed or deleted out of band): sync puts ${drift === 1 ? "it" : "them"} back.`);

  if (!hasChanges(diffs) && failures.length === 0) blocks.push("No changes.");
  for (const d of orderDiffs(diffs)) {
    if (!isShown(d)) continue;
    const project = d.project ? ` in project ${codeSpan(d.project)}` : "";
    const heading = d.action === "unchanged" && d.ownership ? (d.ownership.change === "adopt" ? "Adopt" : "Release") : HEADING[d.action];
    const notes = markNotes(d);
    blocks.push(`#### ${heading}: ${codeSpan(resourceRef(d))}${project}${notes.length ? ` (${escapeText(notes.join("; "))})` : ""}`);
    if (d.changes.length) {
      blocks.push(d.changes.map((c) => `- ${codeSpan(c.path)} ${c.op}`).join("\n"));
    }
    if (d.unified) blocks.push(fenced("diff", d.unified));
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
