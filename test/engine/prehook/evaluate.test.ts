import { describe, expect, it } from "vitest";
import { buildExecutionPlan } from "../../../src/engine/plan/build.js";
import { emptyItemFacts } from "../../../src/engine/prehook/facts.js";
import { prehookVariables, type PrehookInput } from "../../../src/engine/prehook/context.js";
import { evaluateConvergence, evaluatePrehook, PrehookError } from "../../../src/engine/prehook/evaluate.js";

const plan = buildExecutionPlan({
  steps: [{ id: "plan" }, { id: "run_qa", required_capability: "qa_testing" }, { id: "fix" }, { id: "build", command: "make" }],
  loop: { mode: "fixed", max_cycles: 3 },
});

function input(over: Partial<PrehookInput> = {}): PrehookInput {
  return {
    plan,
    cycle: 2,
    step: "fix",
    taskId: "t1",
    taskStatus: "running",
    item: { id: "i1", qaFilePath: "docs/qa/a.md" },
    facts: emptyItemFacts(),
    ...over,
  };
}

describe("evaluatePrehook", () => {
  it("gives the prehook's reason when it skips", () => {
    expect(evaluatePrehook("is_last_cycle", prehookVariables(input()), { step: "qa", reason: "QA deferred" })).toEqual({ run: false, reason: "QA deferred" });
    expect(evaluatePrehook("cycle > 5", prehookVariables(input()))).toEqual({ run: false, reason: "prehook returned false: cycle > 5" });
  });

  it("fails loudly on an unknown variable or a non-bool result", () => {
    expect(() => evaluatePrehook("no_such_var > 1", prehookVariables(input()), { step: "fix" })).toThrow(PrehookError);
    expect(() => evaluatePrehook("no_such_var > 1", prehookVariables(input()), { step: "fix" })).toThrow(/prehook of step 'fix' failed: .*no_such_var/);
    expect(() => evaluatePrehook("cycle + 1", prehookVariables(input()), { step: "fix" })).toThrow("prehook of step 'fix' must evaluate to a bool, got int 3");
  });
});

describe("evaluateConvergence", () => {
  it("returns the reason of the first expression that holds, skipping ones that error", () => {
    const vars = prehookVariables(input({ itemVars: { delta_lines: "3" } }));
    const r = evaluateConvergence(
      [
        { when: "missing_var < 5", reason: "broken" },
        { when: "cycle >= 5", reason: "late" },
        { when: "delta_lines < 5 && cycle >= 2", reason: "diff_converged" },
      ],
      vars,
    );
    expect(r.convergedBy).toBe("diff_converged");
    expect(r.errors).toHaveLength(1);
    expect(evaluateConvergence([{ when: "cycle >= 999" }], vars)).toEqual({ errors: [] });
  });
});
