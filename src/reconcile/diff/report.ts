/**
 * @module What every diff renderer shares: the order resources and
 * diagnostics are listed in, the summary counts, and how a resource is named.
 */
import type { Diagnostic } from "../../resources/diagnostics.js";
import { compareApplyOrder } from "../inventory.js";
import type { DiffAction, ResourceDiff } from "./resource-diff.js";

export type DiffSummary = Record<DiffAction, number>;

export function summarizeDiffs(diffs: readonly ResourceDiff[]): DiffSummary {
  const summary: DiffSummary = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const d of diffs) summary[d.action]++;
  return summary;
}

/** Apply order (kind rank, kind, project, name): the same output whatever order the diffs came in. */
export function orderDiffs(diffs: readonly ResourceDiff[]): ResourceDiff[] {
  return [...diffs].sort(compareApplyOrder);
}

/** Errors before warnings; otherwise as reported. */
export function orderDiagnostics(diagnostics: readonly Diagnostic[]): { errors: Diagnostic[]; warnings: Diagnostic[] } {
  return {
    errors: diagnostics.filter((d) => d.severity === "error"),
    warnings: diagnostics.filter((d) => d.severity !== "error"),
  };
}

/** `workflow/qa_loop`, as kubectl names objects. */
export function resourceRef(d: Pick<ResourceDiff, "kind" | "name">): string {
  return `${d.kind.toLowerCase()}/${d.name}`;
}

export function hasChanges(diffs: readonly ResourceDiff[]): boolean {
  return diffs.some((d) => d.action !== "unchanged");
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
