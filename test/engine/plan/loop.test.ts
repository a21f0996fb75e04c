import { describe, expect, it } from "vitest";
import { builtinLoopGuard, decideNextCycle, isLastCycle, loopPolicyOf } from "../../../src/engine/plan/loop.js";
import type { LoopPolicy } from "../../../src/engine/plan/types.js";

/** Runs cycles until the policy stops, with a per-cycle unresolved count and optional guard/convergence. */
function simulate(
  policy: LoopPolicy,
  unresolved: (cycle: number) => number,
  extra: { guard?: boolean; converged?: (cycle: number) => string | undefined } = {},
): { cycles: number; reason: string } {
  for (let cycle = 1; cycle < 1000; cycle++) {
    const u = unresolved(cycle);
    const convergedBy = extra.converged?.(cycle);
    const decision = decideNextCycle(policy, {
      cycle,
      unresolvedItems: u,
      ...(extra.guard ? { guard: builtinLoopGuard(policy, u) } : {}),
      ...(convergedBy !== undefined ? { convergedBy } : {}),
    });
    if (!decision.continue) return { cycles: cycle, reason: decision.reason };
  }
  return { cycles: Infinity, reason: "runaway" };
}

describe("loopPolicyOf", () => {
  it("defaults to once", () => {
    expect(loopPolicyOf(undefined)).toEqual({ mode: "once", maxCycles: 1, stopWhenNoUnresolved: true, guardEnabled: true, convergence: [] });
  });

  it("reads the nested guard spelling over the flat one", () => {
    const p = loopPolicyOf({ mode: "infinite", enabled: true, stop_when_no_unresolved: true, guard: { enabled: false, stop_when_no_unresolved: false } });
    expect(p.guardEnabled).toBe(false);
    expect(p.stopWhenNoUnresolved).toBe(false);
    expect(p.maxCycles).toBeNull();
  });

  it("caps fixed at 1 cycle when max_cycles is missing", () => {
    expect(loopPolicyOf({ mode: "fixed" }).maxCycles).toBe(1);
  });
});

describe("decideNextCycle", () => {
  it("once runs one cycle", () => {
    expect(simulate(loopPolicyOf({ mode: "once" }), () => 3)).toEqual({ cycles: 1, reason: "once_mode" });
  });

  it("fixed runs exactly max_cycles without a guard step, even with nothing unresolved", () => {
    expect(simulate(loopPolicyOf({ mode: "fixed", max_cycles: 3 }), () => 0)).toEqual({ cycles: 3, reason: "fixed_cycles_complete" });
  });

  it("fixed with a loop_guard step stops early once nothing is unresolved", () => {
    const policy = loopPolicyOf({ mode: "fixed", max_cycles: 5 });
    expect(simulate(policy, (c) => (c < 2 ? 1 : 0), { guard: true })).toEqual({ cycles: 2, reason: "no_unresolved" });
  });

  it("fixed with stop_when_no_unresolved: false runs all cycles even with a guard step", () => {
    const policy = loopPolicyOf({ mode: "fixed", max_cycles: 4, stop_when_no_unresolved: false });
    expect(simulate(policy, () => 0, { guard: true })).toEqual({ cycles: 4, reason: "fixed_cycles_complete" });
  });

  it("infinite stops when nothing is unresolved", () => {
    expect(simulate(loopPolicyOf({ mode: "infinite", max_cycles: 10 }), (c) => (c < 4 ? 2 : 0))).toEqual({
      cycles: 4,
      reason: "no_unresolved_items",
    });
  });

  it("infinite is capped by max_cycles", () => {
    expect(simulate(loopPolicyOf({ mode: "infinite", max_cycles: 3 }), () => 1)).toEqual({ cycles: 3, reason: "max_cycles_reached" });
  });

  it("infinite with the guard disabled ignores unresolved counts and runs to max_cycles", () => {
    const policy = loopPolicyOf({ mode: "infinite", max_cycles: 5, enabled: false });
    expect(simulate(policy, () => 0, { guard: true })).toEqual({ cycles: 5, reason: "max_cycles_reached" });
  });

  it("infinite stops on the first convergence expression that held", () => {
    const policy = loopPolicyOf({ mode: "infinite", max_cycles: 10, stop_when_no_unresolved: false });
    expect(simulate(policy, () => 0, { converged: (c) => (c >= 2 ? "test_convergence" : undefined) })).toEqual({
      cycles: 2,
      reason: "test_convergence",
    });
  });

  it("a guard step saying stop wins over everything", () => {
    const d = decideNextCycle(loopPolicyOf({ mode: "infinite", max_cycles: 9 }), { cycle: 1, unresolvedItems: 5, guard: { stop: true, reason: "guard_json" } });
    expect(d).toEqual({ continue: false, reason: "guard_json", stoppedBy: "guard" });
  });

  it("says what stopped the loop: the guard step, max_cycles, once, no unresolved item or the convergence expression", () => {
    const infinite = loopPolicyOf({ mode: "infinite", max_cycles: 3 });
    expect(decideNextCycle(infinite, { cycle: 1, unresolvedItems: 1, guard: { stop: true, reason: "done", step: "gate" } })).toMatchObject({ stoppedBy: "guard", step: "gate" });
    expect(decideNextCycle(infinite, { cycle: 3, unresolvedItems: 1 })).toMatchObject({ stoppedBy: "max_cycles", reason: "max_cycles_reached" });
    expect(decideNextCycle(loopPolicyOf({ mode: "once" }), { cycle: 1, unresolvedItems: 1 })).toMatchObject({ stoppedBy: "once" });
    expect(decideNextCycle(infinite, { cycle: 1, unresolvedItems: 0 })).toMatchObject({ stoppedBy: "no_unresolved_items" });
    expect(decideNextCycle(infinite, { cycle: 1, unresolvedItems: 1, convergedBy: "stable", convergedWhen: "cycle >= 1" })).toEqual({
      continue: false,
      reason: "stable",
      stoppedBy: "convergence",
      expression: "cycle >= 1",
    });
    expect(decideNextCycle(infinite, { cycle: 1, unresolvedItems: 1 }).stoppedBy).toBeUndefined();
  });
});

describe("isLastCycle", () => {
  it("is true at max_cycles and never when unbounded", () => {
    expect(isLastCycle(loopPolicyOf({ mode: "fixed", max_cycles: 2 }), 2)).toBe(true);
    expect(isLastCycle(loopPolicyOf({ mode: "fixed", max_cycles: 2 }), 1)).toBe(false);
    expect(isLastCycle(loopPolicyOf({ mode: "infinite" }), 50)).toBe(false);
  });
});
