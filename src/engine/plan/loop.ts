/**
 * @module The loop policy of a workflow and the decision, after each cycle,
 * whether to run another one. Pure: CEL convergence checks and guard steps
 * are evaluated by the caller and handed in as results.
 */
import type { LoopPolicy, LoopSpec } from "./types.js";

/** Reads `spec.loop`; the nested `guard:` spelling wins over the flat one (defaults fill only the flat one). */
export function loopPolicyOf(spec: LoopSpec | undefined): LoopPolicy {
  const loop = spec ?? {};
  const mode = loop.mode ?? "once";
  const declaredMax = positiveInt(loop.guard?.max_cycles) ?? positiveInt(loop.max_cycles);
  const maxCycles = mode === "once" ? 1 : mode === "fixed" ? (declaredMax ?? 1) : (declaredMax ?? null);
  return {
    mode,
    maxCycles,
    stopWhenNoUnresolved: loop.guard?.stop_when_no_unresolved ?? loop.stop_when_no_unresolved ?? true,
    guardEnabled: loop.guard?.enabled ?? loop.enabled ?? true,
    convergence: (loop.convergence_expr ?? [])
      .filter((c) => typeof c.when === "string" && c.when.trim() !== "")
      .map((c) => (c.reason !== undefined ? { when: c.when, reason: c.reason } : { when: c.when })),
  };
}

/** `is_last_cycle`: the cycle is the last one the policy allows (never true when unbounded). */
export function isLastCycle(policy: LoopPolicy, cycle: number): boolean {
  return policy.maxCycles !== null && cycle >= policy.maxCycles;
}

export interface GuardVerdict {
  stop: boolean;
  reason: string;
  /** The guard step that gave the verdict. */
  step?: string;
}

/** The builtin `loop_guard` step: stop once no item is unresolved, if the policy says so. */
export function builtinLoopGuard(policy: LoopPolicy, unresolvedItems: number): GuardVerdict {
  const stop = policy.guardEnabled && policy.stopWhenNoUnresolved && unresolvedItems === 0;
  return { stop, reason: stop ? "no_unresolved" : "has_unresolved" };
}

export interface CycleOutcome {
  /** The cycle that just finished (1-based). */
  cycle: number;
  unresolvedItems: number;
  /** What this cycle's guard steps said, if any ran. */
  guard?: GuardVerdict;
  /** Reason of the first `convergence_expr` that held after this cycle, if any. */
  convergedBy?: string;
  /** That expression's `when`. */
  convergedWhen?: string;
}

/** What ended a loop: a guard step, `once`, `max_cycles`, no unresolved item, or a convergence expression. */
export type LoopStopCause = "guard" | "once" | "max_cycles" | "no_unresolved_items" | "convergence";

export interface CycleDecision {
  continue: boolean;
  reason: string;
  /** Set when the loop stops. */
  stoppedBy?: LoopStopCause;
  /** The guard step that stopped it (`guard`). */
  step?: string;
  /** The convergence expression that held (`convergence`). */
  expression?: string;
}

/**
 * Whether to run another cycle. Order: a guard step that says stop; `once`;
 * `max_cycles` reached; for `infinite` with the guard on, no unresolved item
 * left (when `stop_when_no_unresolved`); a convergence expression that held.
 * `fixed` otherwise runs every cycle: there, `stop_when_no_unresolved` acts
 * through a `loop_guard` step, as upstream does.
 */
export function decideNextCycle(policy: LoopPolicy, outcome: CycleOutcome): CycleDecision {
  if (outcome.guard?.stop) return { continue: false, reason: outcome.guard.reason, stoppedBy: "guard", ...(outcome.guard.step ? { step: outcome.guard.step } : {}) };
  if (policy.mode === "once") return { continue: false, reason: "once_mode", stoppedBy: "once" };
  if (policy.maxCycles !== null && outcome.cycle >= policy.maxCycles) {
    return { continue: false, reason: policy.mode === "fixed" ? "fixed_cycles_complete" : "max_cycles_reached", stoppedBy: "max_cycles" };
  }
  if (policy.mode === "infinite" && policy.guardEnabled && policy.stopWhenNoUnresolved && outcome.unresolvedItems === 0) {
    return { continue: false, reason: "no_unresolved_items", stoppedBy: "no_unresolved_items" };
  }
  if (outcome.convergedBy !== undefined) {
    return { continue: false, reason: outcome.convergedBy, stoppedBy: "convergence", ...(outcome.convergedWhen !== undefined ? { expression: outcome.convergedWhen } : {}) };
  }
  return { continue: true, reason: policy.mode === "fixed" ? "fixed_cycle_continue" : "continue" };
}

function positiveInt(v: number | undefined): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined;
}
