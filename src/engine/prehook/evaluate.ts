/**
 * @module Evaluating a step's prehook and a loop's convergence expressions
 * against the CEL variables, through the project's shared CEL evaluator.
 */
import { evaluateTypedCel } from "../../cel/compile.js";
import type { CelVars } from "./context.js";

export class PrehookError extends Error {
  override name = "PrehookError";
}

export interface PrehookDecision {
  run: boolean;
  /** Why the step is skipped (the prehook's `reason`, or a default). */
  reason?: string;
}

/**
 * Runs the step when `when` is true. An expression that fails to evaluate or
 * yields something other than a bool is an error, not a silent skip.
 */
export function evaluatePrehook(when: string, vars: CelVars, options: { step?: string; reason?: string } = {}): PrehookDecision {
  const result = evaluateBool(when, vars, `prehook of step '${options.step ?? "?"}'`);
  if (result) return { run: true };
  return { run: false, reason: options.reason ?? `prehook returned false: ${when.trim()}` };
}

/**
 * Reason of the first convergence expression that holds, else undefined.
 * A convergence expression that errors does not stop the loop; its message is
 * returned in `errors` for the task's events.
 */
export function evaluateConvergence(
  expressions: ReadonlyArray<{ when: string; reason?: string }>,
  vars: CelVars,
): { convergedBy?: string; convergedWhen?: string; errors: string[] } {
  const errors: string[] = [];
  for (const c of expressions) {
    try {
      if (evaluateBool(c.when, vars, "convergence_expr")) return { convergedBy: c.reason ?? "convergence_expr", convergedWhen: c.when.trim(), errors };
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return { errors };
}

/** Evaluates to a bool or throws a PrehookError naming `what` and the expression. */
export function evaluateBool(expr: string, vars: CelVars, what: string): boolean {
  let value: unknown;
  try {
    value = evaluateTypedCel(expr.trim(), vars);
  } catch (err) {
    const message = firstLine(err);
    const unknown = /^Unknown variable: (\S+)/.exec(message);
    // A pipeline variable nobody set: say where it could have come from.
    const why = unknown ? `; no step has captured '${unknown[1]}' and neither --set nor the task's spec.vars gives it` : "";
    throw new PrehookError(`${what} failed: ${message}${why} (expression: ${expr.trim()})`);
  }
  if (typeof value !== "boolean") {
    throw new PrehookError(`${what} must evaluate to a bool, got ${describe(value)} (expression: ${expr.trim()})`);
  }
  return value;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "bigint") return `int ${v}`;
  if (typeof v === "number") return `double ${v}`;
  if (typeof v === "string") return `string ${JSON.stringify(v)}`;
  return Array.isArray(v) ? "a list" : typeof v;
}
