/**
 * @module What every diff renderer shares: the order resources and
 * diagnostics are listed in, the summary counts, how a resource and its
 * marks (drift, adoption, release) are named, and the failures that kept
 * part of the diff from being computed.
 */
import type { Diagnostic } from "../../resources/diagnostics.js";
import { compareApplyOrder, comparePruneOrder } from "../inventory.js";
import type { DiffAction, ResourceDiff } from "./resource-diff.js";

export type DiffSummary = Record<DiffAction, number>;

/**
 * What kept a diff from being computed: a source that could not be fetched
 * or read (FetchFailed, RefNotFound, PathNotFound), or a path that neither
 * commit has. A report with failures is incomplete, whatever it lists.
 */
export interface DiffFailure {
  /** The source's name; null when the diff was not of a source (`--from/--to`, `-f`). */
  source: string | null;
  /** A reason code, as `source status` shows it. */
  reason: string;
  message: string;
}

export function summarizeDiffs(diffs: readonly ResourceDiff[]): DiffSummary {
  const summary: DiffSummary = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const d of diffs) summary[d.action]++;
  return summary;
}

export function countDrift(diffs: readonly ResourceDiff[]): number {
  return diffs.filter((d) => d.drift !== undefined).length;
}

/**
 * Creates, updates and unchanged resources in apply order (kind rank, kind,
 * project, name), then deletions in the order sync prunes them: the same
 * output whatever order the diffs came in.
 */
export function orderDiffs(diffs: readonly ResourceDiff[]): ResourceDiff[] {
  const deletes = diffs.filter((d) => d.action === "delete");
  return [...diffs.filter((d) => d.action !== "delete").sort(compareApplyOrder), ...deletes.sort(comparePruneOrder)];
}

/** `drift: changed out of band by cli`, `adopted from cli`, ...; empty when the resource has no mark. */
export function markNotes(d: ResourceDiff): string[] {
  const notes: string[] = [];
  if (d.drift) notes.push(d.drift.was === "deleted" ? "drift: deleted out of band; sync restores it" : `drift: changed out of band${d.drift.by ? ` by ${d.drift.by}` : ""}; sync restores it`);
  if (d.ownership?.change === "adopt") notes.push(`adopted: applied by ${d.ownership.from}, ${d.ownership.to} takes it over`);
  if (d.ownership?.change === "release") notes.push(`released: no longer in ${d.ownership.from}; left in place, applied by ${d.ownership.to}`);
  return notes;
}

/** `source repo: RefNotFound: ...`, or the reason and message alone. */
export function failureLine(f: DiffFailure): string {
  return `${f.source !== null ? `source ${f.source}: ` : ""}${f.reason}: ${f.message}`;
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

/** Anything sync would write: a content change, drift put back, or an ownership change. */
export function hasChanges(diffs: readonly ResourceDiff[]): boolean {
  return diffs.some((d) => d.action !== "unchanged" || d.drift !== undefined || d.ownership !== undefined);
}

/** Resources a renderer lists in full: changed, drifted or changing hands. */
export function isShown(d: ResourceDiff): boolean {
  return d.action !== "unchanged" || d.drift !== undefined || d.ownership !== undefined;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
