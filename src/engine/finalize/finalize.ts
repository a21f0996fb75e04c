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
