/**
 * @module Printing diagnostics to stderr, errors first, in file order.
 */
import { formatDiagnostic, type Diagnostic } from "../../resources/diagnostics.js";
import { writeErr } from "./io.js";

export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  const rank = (d: Diagnostic): number => (d.severity === "error" ? 0 : 1);
  return ds
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const pa = a.d.position;
      const pb = b.d.position;
      return (
        rank(a.d) - rank(b.d) ||
        (pa?.file ?? "").localeCompare(pb?.file ?? "") ||
        (pa?.line ?? 0) - (pb?.line ?? 0) ||
        (pa?.column ?? 0) - (pb?.column ?? 0) ||
        a.i - b.i
      );
    })
    .map((x) => x.d);
}

export function printDiagnostics(ds: readonly Diagnostic[]): void {
  if (ds.length === 0) return;
  writeErr(sortDiagnostics(ds).map(formatDiagnostic).join("\n") + "\n");
}

export function countBySeverity(ds: readonly Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const d of ds) d.severity === "error" ? errors++ : warnings++;
  return { errors, warnings };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
