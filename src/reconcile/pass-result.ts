/**
 * @module The result of one pass over one source: what `sync`, `watch`,
 * `reconcile` and the controller print or log. Plain JSON, so it travels
 * through a reconcile request unchanged.
 */
import type { Diagnostic } from "../resources/diagnostics.js";
import type { PlannedAction, PlannedVerb } from "./plan.js";

/** `released`: the source dropped a resource it had adopted; it stays, handed back to `cli`. */
export type PassVerb = PlannedVerb | "released";

export interface PassChange {
  verb: PassVerb;
  project: string;
  kind: string;
  name: string;
  /** Put back after an out-of-band change or delete. */
  drift: boolean;
  /** Who applied it before this pass adopted it (`cli`); null when the pass did not adopt it. */
  adoptedFrom: string | null;
}

export interface PassCounts {
  created: number;
  configured: number;
  unchanged: number;
  pruned: number;
  drifted: number;
}

export interface PassResult {
  source: string;
  /** The revision the pass worked on; null when it could not be read. */
  revision: string | null;
  ready: boolean;
  reason: string;
  message: string;
  /** Nothing changed since the last pass (revision, store and settings): nothing was parsed. */
  upToDate: boolean;
  dryRun: boolean;
  /** Every resource created, configured or pruned, in apply order (prunes last). */
  changes: PassChange[];
  counts: PassCounts;
  diagnostics: Diagnostic[];
  durationMs: number;
  /** The source is suspended: nothing was fetched or applied (`ready` is its last Ready status). */
  suspended?: boolean;
}

/** Released resources are not counted: they are listed among the changes. */
export function countActions(actions: readonly PlannedAction[]): PassCounts {
  const counts: PassCounts = { created: 0, configured: 0, unchanged: 0, pruned: 0, drifted: 0 };
  for (const a of actions) {
    if (a.released) continue;
    counts[a.verb]++;
    if (a.drift) counts.drifted++;
  }
  return counts;
}

export function changesOfPass(actions: readonly PlannedAction[]): PassChange[] {
  return actions
    .filter((a) => a.verb !== "unchanged" || a.released)
    .map((a) => ({
      verb: a.released ? "released" : a.verb,
      project: a.key.project,
      kind: a.key.kind,
      name: a.key.name,
      drift: a.drift === true,
      adoptedFrom: a.adoptedFrom ?? null,
    }));
}

export function emptyCounts(): PassCounts {
  return { created: 0, configured: 0, unchanged: 0, pruned: 0, drifted: 0 };
}
