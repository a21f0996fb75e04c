/**
 * @module Conditions and reason codes of a reconcile pass, as the Kubernetes
 * API conventions and Flux have them: `Ready`, `Reconciling` and `Stalled`,
 * each with a reason, a message and when it last changed.
 */
import type { Condition } from "../store/source-store.js";

export type { Condition } from "../store/source-store.js";

/**
 * Every way a pass ends. A reason names the cause, so a person (or a tool)
 * reading `source status` knows what to do without reading logs.
 */
export const Reason = {
  /** Ready=True: the revision is applied (or was already). */
  Succeeded: "ReconciliationSucceeded",
  /** Reconciling=True: a pass is under way; the message says which phase. */
  Progressing: "Progressing",
  /** The git remote could not be cloned or fetched; retried with backoff. */
  FetchFailed: "FetchFailed",
  /** The branch, tag or commit does not exist on the remote. */
  RefNotFound: "RefNotFound",
  /** The directory (or the path inside the repository) does not exist: the source is not ready. */
  PathNotFound: "PathNotFound",
  /** The revision's manifests have errors; nothing of it was applied. */
  ValidationFailed: "ValidationFailed",
  /**
   * The revision declares a resource another source manages; nothing of it
   * was applied. Not stalling: the other source can let go without a new
   * revision of this one, so the pass is tried again at the interval.
   */
  OwnershipConflict: "OwnershipConflict",
  /**
   * A SecretStore value encrypted in the source (`ENC[age,...]`) cannot be
   * decrypted; nothing of the revision was applied. Not stalling: installing
   * the key fixes it without a new revision.
   */
  DecryptionFailed: "DecryptionFailed",
  /** Writing the plan failed; the transaction rolled back. */
  ApplyFailed: "ApplyFailed",
  /** The plan was committed, but a kind controller's after-commit effect failed. */
  AfterCommitFailed: "AfterCommitFailed",
  /** A CustomResourceDefinition's hook refused a change of one of its instances; nothing was applied. */
  HookFailed: "HookFailed",
  /** The source is suspended (`source suspend`, or `spec.suspend: true`): no pass ran. */
  Suspended: "Suspended",
} as const;

export type ReasonCode = (typeof Reason)[keyof typeof Reason];

/** Failures that a new revision (not time) must fix. */
const STALLING: ReadonlySet<string> = new Set([Reason.ValidationFailed]);

export function isStalling(reason: string): boolean {
  return STALLING.has(reason);
}

/**
 * `conditions` with `next` set: `lastTransitionTime` moves only when the
 * status changes, as the conventions ask.
 */
export function setCondition(conditions: readonly Condition[], next: Omit<Condition, "lastTransitionTime">, now: string): Condition[] {
  const prev = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = prev && prev.status === next.status ? prev.lastTransitionTime : now;
  const updated: Condition = { ...next, lastTransitionTime };
  const rest = conditions.filter((c) => c.type !== next.type);
  return sortConditions([...rest, updated]);
}

export function removeCondition(conditions: readonly Condition[], type: Condition["type"]): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

export function findCondition(conditions: readonly Condition[], type: Condition["type"]): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

const ORDER: Record<Condition["type"], number> = { Ready: 0, Reconciling: 1, Stalled: 2 };

function sortConditions(cs: Condition[]): Condition[] {
  return cs.sort((a, b) => ORDER[a.type] - ORDER[b.type]);
}

/** The conditions a finished pass leaves: Ready set, Reconciling gone, Stalled when only a new revision helps. */
export function finishedConditions(
  conditions: readonly Condition[],
  outcome: { ready: boolean; reason: string; message: string },
  now: string,
): Condition[] {
  let cs = setCondition(conditions, { type: "Ready", status: outcome.ready ? "True" : "False", reason: outcome.reason, message: outcome.message }, now);
  cs = removeCondition(cs, "Reconciling");
  if (!outcome.ready && isStalling(outcome.reason)) {
    cs = setCondition(cs, { type: "Stalled", status: "True", reason: outcome.reason, message: outcome.message }, now);
  } else {
    cs = removeCondition(cs, "Stalled");
  }
  return cs;
}

/** The conditions while a phase runs: Reconciling=True with the phase, Ready=Unknown when never decided. */
export function progressingConditions(conditions: readonly Condition[], message: string, now: string): Condition[] {
  let cs = setCondition(conditions, { type: "Reconciling", status: "True", reason: Reason.Progressing, message }, now);
  if (!findCondition(cs, "Ready")) {
    cs = setCondition(cs, { type: "Ready", status: "Unknown", reason: Reason.Progressing, message: "reconciliation in progress" }, now);
  }
  return cs;
}
