import { describe, expect, it } from "vitest";
import { parseStrategy, scoreWith, type ScoreFactors } from "../../../src/engine/selection/strategies.js";

describe("strategies", () => {
  it("parse upstream's two spellings and default to capability_aware", () => {
    expect(parseStrategy("CostBased")).toBe("cost_based");
    expect(parseStrategy("success_rate_weighted")).toBe("success_rate_weighted");
    expect(parseStrategy(undefined)).toBe("capability_aware");
    expect(() => parseStrategy("Random")).toThrow(/unknown selection strategy 'Random'/);
  });

  it("score documented values", () => {
    const f: ScoreFactors = { cost: 70, successRate: 80, capabilitySuccessRate: 90, performance: 12, loadPenalty: -10, loadHeadroom: 80, healthPenalty: -75 };
    expect(scoreWith("cost_based", f)).toBe(70);
    expect(scoreWith("success_rate_weighted", f)).toBeCloseTo(78);
    expect(scoreWith("performance_first", f)).toBeCloseTo(37.2);
    expect(scoreWith("adaptive", f)).toBeCloseTo(14 + 24 + 3 - 2.5 - 75);
    expect(scoreWith("load_balanced", f)).toBeCloseTo(14 + 24 + 40);
    expect(scoreWith("capability_aware", f)).toBeCloseTo(10.5 + 31.5 + 2.4 - 50);
  });
});
