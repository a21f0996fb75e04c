import { describe, expect, it } from "vitest";
import { CelBudgetError, withinTimeBudget } from "../../src/cel/budget.js";
import { compileCel, evaluateCel } from "../../src/cel/compile.js";

describe("CEL limits", () => {
  it("stops a runaway evaluation with a budget error", () => {
    expect(() => withinTimeBudget(() => { for (;;); }, 50)).toThrow(CelBudgetError);
    expect(withinTimeBudget(() => 42, 50)).toBe(42);
  });

  it("stops a comprehension over a thousand items nested three deep, then refuses it again at once", () => {
    const cells = Array.from({ length: 1000 }, () => 1);
    const rule = "self.all(x, self.all(y, self.all(z, x + y + z >= 0)))";
    expect(() => evaluateCel(rule, { self: cells })).toThrow(/ran longer than its budget/);
    const t0 = Date.now();
    expect(() => evaluateCel(rule, { self: cells })).toThrow(/is not run again yet/);
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it("refuses comprehensions nested past three", () => {
    expect(compileCel("[1].all(a, [1].all(b, [1].all(c, true)))")).toEqual({ ok: true });
    expect(compileCel("[1].all(a, [1].all(b, [1].all(c, [1].all(d, true))))")).toMatchObject({ ok: false, message: expect.stringMatching(/nest 4 deep; at most 3/) });
  });

  it("matches() runs on a linear-time engine with RE2 syntax", () => {
    expect(evaluateCel("s.matches('^(a+)+$')", { s: "a".repeat(5000) + "b" })).toBe(false);
    expect(evaluateCel("s.matches('b')", { s: "abc" })).toBe(true);
    expect(() => evaluateCel("s.matches('(?=a)')", { s: "a" })).toThrow(/not supported/);
  });
});
