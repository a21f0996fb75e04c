/**
 * @module The limits every CEL evaluation runs under. An expression comes
 * from a manifest, and a manifest must not be able to stall the process
 * that validates it or runs its steps: comprehensions nest at most
 * MAX_COMPREHENSION_NESTING deep (checked when the expression is parsed,
 * as cel-go's ComprehensionNestingLimit does), and an evaluation that may
 * loop (any comprehension, cel.bind) runs under a time budget, enforced by
 * V8 itself (node:vm's watchdog interrupts running code, however deep in a
 * library it is). An expression with no comprehension evaluates each node
 * once: its cost is linear in its size and its input, and it runs unguarded,
 * so the watchdog's cost (a thread per call) is paid only where it matters.
 */
import { createContext, Script } from "node:vm";

/** Wall-clock budget of one evaluation that may loop. */
export const CEL_TIME_BUDGET_MS = 1000;

/** Comprehensions (all, exists, exists_one, map, filter, cel.bind, ...) nested deeper than this are refused. */
export const MAX_COMPREHENSION_NESTING = 3;

export class CelBudgetError extends Error {
  override name = "CelBudgetError";
}

const script = new Script("run()");
const sandbox = createContext({ run: undefined as unknown });
let inside = false;

/** Runs `fn` and stops it with a CelBudgetError once it has run for `budgetMs`. */
export function withinTimeBudget<T>(fn: () => T, budgetMs = CEL_TIME_BUDGET_MS): T {
  // One watchdog covers nested evaluations (a CEL function that evaluates CEL).
  if (inside) return fn();
  inside = true;
  (sandbox as { run: unknown }).run = fn;
  try {
    return script.runInContext(sandbox, { timeout: budgetMs }) as T;
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
      throw new CelBudgetError(`the expression ran longer than its budget of ${budgetMs} ms and was stopped`);
    }
    throw err;
  } finally {
    (sandbox as { run: unknown }).run = undefined;
    inside = false;
  }
}
