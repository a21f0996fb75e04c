/**
 * @module Finalize rules: the status an item ends a cycle with. Rules are
 * tried in order and the first whose `when` holds wins: the workflow's own
 * rules if it has any, else the twelve default rules in upstream's order.
 */
import { DEFAULT_FINALIZE_RULES } from "../../resources/defaults.js";
import type { FinalizeRuleSpec } from "../plan/types.js";
import type { CelVars } from "../prehook/context.js";
import { evaluateBool, PrehookError } from "../prehook/evaluate.js";

export interface FinalizeOutcome {
  status: string;
  /** Id of the rule that matched; undefined when none did. */
  ruleId?: string;
  reason: string;
}

export class FinalizeError extends Error {
  override name = "FinalizeError";
}

/** The default rules, shared with `applyDefaults` so both say the same thing. */
export const DEFAULT_RULES: readonly FinalizeRuleSpec[] = DEFAULT_FINALIZE_RULES.map((r) => r as unknown as FinalizeRuleSpec);

/**
 * First matching rule. When none matches the item keeps its status
 * (`currentStatus`, else the `item_status` variable). A rule that cannot be
 * evaluated is an error naming it.
 */
export function finalizeItem(
  vars: CelVars,
  rules: readonly FinalizeRuleSpec[] | undefined,
  currentStatus?: string,
): FinalizeOutcome {
  const effective = rules && rules.length > 0 ? rules : DEFAULT_RULES;
  for (const rule of effective) {
    let matched: boolean;
    try {
      matched = evaluateBool(rule.when, vars, `finalize rule '${rule.id}'`);
    } catch (err) {
      throw new FinalizeError(err instanceof PrehookError ? err.message : String(err));
    }
    if (matched) return { status: rule.status, ruleId: rule.id, reason: rule.reason ?? `rule ${rule.id} matched` };
  }
  const kept = currentStatus ?? (typeof vars["item_status"] === "string" ? vars["item_status"] : "pending");
  return { status: kept, reason: "no finalize rule matched" };
}

/** The fallback default rule that would call an item whose step failed `qa_passed`. */
const FALLBACK_PASS_RULE = "fallback_qa_passed";

/** True for the twelve default rules (as `applyDefaults` writes them into a workflow without its own). */
export function isDefaultRuleSet(rules: readonly FinalizeRuleSpec[] | undefined): boolean {
  if (!rules || rules.length === 0) return true;
  return (
    rules.length === DEFAULT_RULES.length &&
    rules.every((r, i) => r.id === DEFAULT_RULES[i]!.id && r.when === DEFAULT_RULES[i]!.when && r.status === DEFAULT_RULES[i]!.status)
  );
}

/** What happened to one item in a cycle, beyond the CEL variables. */
export interface ItemCycle {
  /** The item's status when finalize runs. */
  status: string;
  /** A status a step's `on_failure`/`on_success` set this cycle (the last one wins), and the step. */
  explicit?: { status: string; step: string };
  /** Steps of the item that failed or timed out this cycle. */
  failedSteps: readonly string[];
}

/**
 * The status an item ends the cycle with. With the default rules, a status a
 * step set explicitly (`set_status`, `early_return`) is kept, and an item
 * whose step failed is `unresolved` rather than passed by the fallback rule.
 * A workflow's own rules decide alone; they see the explicit status as
 * `item_status`, and an item no rule matches keeps it.
 */
export function finalizeItemCycle(vars: CelVars, rules: readonly FinalizeRuleSpec[] | undefined, cycle: ItemCycle): FinalizeOutcome {
  const defaults = isDefaultRuleSet(rules);
  if (defaults && cycle.explicit) return { status: cycle.explicit.status, reason: `status set by step '${cycle.explicit.step}'` };
  const outcome = finalizeItem(vars, rules, cycle.status);
  if (defaults && cycle.failedSteps.length > 0 && (outcome.ruleId === undefined || outcome.ruleId === FALLBACK_PASS_RULE)) {
    return { status: "unresolved", ruleId: "step_failed", reason: `step ${cycle.failedSteps.join(", ")} failed` };
  }
  return outcome;
}
