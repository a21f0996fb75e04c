/**
 * @module `orchestrator diff` for a terminal: failures first (a source that
 * could not be read), then one section per changed resource (its changed
 * fields, then its unified diff; drift and changes of hands noted in its
 * heading), a summary line, then errors and warnings.
 */
import { formatDiagnostic, type Diagnostic } from "../../resources/diagnostics.js";
import { countDrift, failureLine, isShown, markNotes, orderDiagnostics, orderDiffs, resourceRef, summarizeDiffs, type DiffFailure } from "./report.js";
import type { DiffAction, ResourceDiff } from "./resource-diff.js";

export interface TextRenderOptions {
  /** ANSI colour; the caller decides (TTY and no NO_COLOR). */
  color?: boolean;
  /** Sources (or paths) that could not be diffed. */
  failures?: readonly DiffFailure[];
}

const SIGIL: Record<DiffAction, string> = { create: "+", update: "~", delete: "-", unchanged: "=" };

type Paint = (code: string, s: string) => string;

export function renderDiffText(
  diffs: readonly ResourceDiff[],
  diagnostics: readonly Diagnostic[],
  opts: TextRenderOptions = {},
): string {
  const paint: Paint = opts.color ? (code, s) => `\u001b[${code}m${s}\u001b[0m` : (_code, s) => s;
  const sections: string[] = [];

  const failures = opts.failures ?? [];
  if (failures.length) {
    const title = `Failed (${failures.length}): could not be diffed; the summary below leaves ${failures.length === 1 ? "it" : "them"} out`;
    sections.push([paint("31", title), ...failures.map((f) => `  ${failureLine(f)}`)].join("\n"));
  }

  for (const d of orderDiffs(diffs)) {
    if (!isShown(d)) continue;
    const project = d.project ? ` (project ${d.project})` : "";
    const notes = markNotes(d);
    const lines = [paint("1", `${SIGIL[d.action]} ${resourceRef(d)}${project}: ${d.action}${notes.length ? ` (${notes.join("; ")})` : ""}`)];
    for (const c of d.changes) lines.push(`  ${c.op.padEnd(7)} ${c.path}`);
    if (d.unified) lines.push(...d.unified.replace(/\n$/, "").split("\n").map((l) => paintDiffLine(l, paint)));
    sections.push(lines.join("\n"));
  }

  const s = summarizeDiffs(diffs);
  const drift = countDrift(diffs);
  sections.push(
    `Summary: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged${drift ? `; ${drift} drifted` : ""}`,
  );

  const { errors, warnings } = orderDiagnostics(diagnostics);
  if (errors.length) sections.push(diagnosticBlock(`Errors (${errors.length}):`, errors, (l) => paint("31", l)));
  if (warnings.length) sections.push(diagnosticBlock(`Warnings (${warnings.length}):`, warnings, (l) => paint("33", l)));
  return sections.join("\n\n") + "\n";
}

function paintDiffLine(line: string, paint: Paint): string {
  if (line.startsWith("+++") || line.startsWith("---")) return paint("1", line);
  if (line.startsWith("@@")) return paint("36", line);
  if (line.startsWith("+")) return paint("32", line);
  if (line.startsWith("-")) return paint("31", line);
  return line;
}

function diagnosticBlock(title: string, ds: readonly Diagnostic[], paintLine: (l: string) => string): string {
  const body = ds.map((d) =>
    formatDiagnostic(d)
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n"),
  );
  return [paintLine(title), ...body].join("\n");
}
