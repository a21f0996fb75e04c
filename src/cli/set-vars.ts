/**
 * @module `--set key=value` flags as pipeline variables, and `--set goal=X`
 * as the goal.
 */
import { GoalConflictError, goalFromVars } from "../engine/tasks/submit.js";
import { UsageError } from "./errors.js";

export function parseSetVars(pairs: readonly string[] | undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const p of pairs ?? []) {
    const i = p.indexOf("=");
    if (i < 0) throw new UsageError(`--set '${p}' has no '='; write --set key=value`);
    const key = p.slice(0, i).trim();
    if (!key) throw new UsageError(`--set '${p}' has an empty key; write --set key=value`);
    vars[key] = p.slice(i + 1);
  }
  return vars;
}

/** The goal and the variables of `--goal` and `--set`: `--set goal=X` is `--goal X`; two different goals are a usage error. */
export function goalAndSetVars(goal: string | undefined, pairs: readonly string[] | undefined): { goal: string; vars: Record<string, string> } {
  try {
    return goalFromVars(goal, parseSetVars(pairs));
  } catch (err) {
    if (err instanceof GoalConflictError) throw new UsageError(err.message);
    throw err;
  }
}
