/**
 * @module Who owns a resource, between sources and hands. A resource belongs
 * to one source at a time (the one whose inventory holds it):
 *
 * - another source declaring it is refused (the pass fails, naming both
 *   sources and the file:line), never a silent take-over that would make the
 *   two flip-flop on every pass;
 * - a resource applied by hand (`cli`), or left behind by a removed source,
 *   that a source declares is adopted; when the source drops it again it is
 *   released (handed back to `cli`, left in place), never pruned;
 * - prune deletes only what the source created and still owns.
 */
import type { Diagnostic } from "../resources/diagnostics.js";
import { DEFAULT_PROJECT } from "../resources/types.js";
import type { Store } from "../store/store.js";
import { Reason, type ReasonCode } from "./conditions.js";
import type { PlannedAction } from "./plan.js";

/** The applier a released resource is handed back to. */
export const RELEASED_TO = "cli";

/** `source:<name>` -> `<name>`; other appliers as they are. */
export function sourceNameOf(appliedBy: string): string {
  return appliedBy.startsWith("source:") ? appliedBy.slice("source:".length) : appliedBy;
}

/**
 * One error per resource another source manages, at the document that
 * declares it, naming where the owner applied it from.
 */
export function conflictDiagnostics(store: Store, source: string, actions: readonly PlannedAction[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const a of actions) {
    if (a.conflict === undefined) continue;
    const ref = `${a.key.kind.toLowerCase()}/${a.key.name}`;
    const origin = store.getResource(a.key)?.origin;
    const theirs = origin?.file ? ` (declared at ${origin.file}${origin.line ? `:${origin.line}` : ""} there)` : "";
    const project = a.key.project && a.key.project !== DEFAULT_PROJECT ? ` in project ${a.key.project}` : "";
    const d: Diagnostic = {
      severity: "error",
      // The same resource declared twice, across two sources rather than within one set.
      code: "duplicate",
      resource: ref,
      message: `already managed by source ${a.conflict}${project}${theirs}; source ${source} declares it too, and a resource belongs to one source at a time`,
      hint: `remove it from one of the two sources (once source ${a.conflict} no longer declares it and has synced, source ${source} can take it), or \`orchestrator source remove ${a.conflict}\``,
    };
    if (a.document) d.position = a.document.position;
    out.push(d);
  }
  return out;
}

/**
 * A pass refused inside its transaction, before anything was written:
 * carries the reason and the diagnostics the pass reports.
 */
export class PassRefusedError extends Error {
  override readonly name = "PassRefusedError";
  constructor(
    readonly reason: ReasonCode,
    message: string,
    readonly diagnostics: readonly Diagnostic[],
  ) {
    super(message);
  }
}

export function ownershipConflictError(diagnostics: readonly Diagnostic[]): PassRefusedError {
  const n = diagnostics.length;
  return new PassRefusedError(Reason.OwnershipConflict, `${n} resource${n === 1 ? " is" : "s are"} managed by another source; nothing was applied`, diagnostics);
}
