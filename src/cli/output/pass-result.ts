/**
 * @module Printing reconcile passes: one line per change as `apply` prints
 * them, then one summary line per source; failures and diagnostics go to
 * stderr.
 */
import { Reason } from "../../reconcile/conditions.js";
import type { PassChange, PassResult } from "../../reconcile/pass-result.js";
import { printDiagnostics } from "./diagnostics.js";
import type { JsonValue } from "../../resources/types.js";
import type { OutputFormat } from "./format.js";
import { writeErr, writeOut } from "./io.js";
import { printMachine } from "./printer.js";

export function changeLine(c: PassChange, dryRun: boolean): string {
  const notes: string[] = [];
  if (c.drift) notes.push("(drift corrected)");
  if (c.adoptedFrom) notes.push(`(adopted from ${c.adoptedFrom})`);
  if (c.verb === "released") notes.push("(no longer in the source; left in place, now applied by cli)");
  if (dryRun) notes.push("(dry run)");
  return [`${c.kind.toLowerCase()}/${c.name} ${c.verb}`, ...notes].join(" ");
}

function countsText(r: PassResult): string {
  const c = r.counts;
  const parts = [`${c.created} created`, `${c.configured} configured`, `${c.pruned} pruned`, `${c.unchanged} unchanged`];
  if (c.drifted) parts.push(`${c.drifted} drift corrected`);
  const adopted = r.changes.filter((x) => x.adoptedFrom).length;
  const released = r.changes.filter((x) => x.verb === "released").length;
  if (adopted) parts.push(`${adopted} adopted`);
  if (released) parts.push(`${released} released`);
  return parts.join(", ");
}

export function summaryLine(r: PassResult): string {
  if (r.suspended) return `source ${r.source}: ${r.message}`;
  if (r.upToDate && r.ready) return `source ${r.source}: up to date: ${r.message} (${r.counts.unchanged} resources)`;
  if (!r.ready) return `source ${r.source}: ${r.reason}: ${r.message}`;
  return `source ${r.source}: ${r.message} (${countsText(r)})`;
}

/** Changes to stdout; the summary to stdout when ready, stderr when not, with the diagnostics. */
export function printPass(r: PassResult): void {
  if (r.changes.length) writeOut(r.changes.map((c) => changeLine(c, r.dryRun) + "\n").join(""));
  printDiagnostics(r.diagnostics);
  if (r.ready || r.suspended) writeOut(summaryLine(r) + "\n");
  else writeErr(summaryLine(r) + "\n");
}

/**
 * Whether passes failed, for the exit code of `sync` and `reconcile`: a
 * directory not made yet (init's `manifests/`) is not ready, but nothing
 * failed; a git path that is not there is a mistake. A suspended source did
 * not fail either (naming one is refused by the command itself).
 */
export function passesFailed(results: readonly PassResult[], typeOf: (source: string) => string | undefined): boolean {
  return results.some((r) => !r.ready && !r.suspended && !(r.reason === Reason.PathNotFound && typeOf(r.source) === "dir"));
}

/** `-o json|yaml|jsonpath=`: the results as they are (a stable contract, see docs/gitops.md), as a `kind: ReconcileResult`. */
export function printPassesJson(results: readonly PassResult[], output: OutputFormat | string = "json"): void {
  printMachine("ReconcileResult", { results: results as unknown as JsonValue[] }, output);
}

/** The passes in the format asked for: their JSON, or a line per change and a summary per source. */
export function printPasses(results: readonly PassResult[], output: OutputFormat | string | undefined): void {
  if (!printMachine("ReconcileResult", { results: results as unknown as JsonValue[] }, output)) results.forEach(printPass);
}
