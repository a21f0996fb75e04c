import { describe, expect, it } from "vitest";
import { buildExecutionPlan } from "../../../src/engine/plan/build.js";
import { guardStepsForCycle, segmentsOf, stepsForCycle } from "../../../src/engine/plan/segments.js";

const plan = buildExecutionPlan({
  max_parallel: 4,
  steps: [
    { id: "plan", repeatable: false },
    { id: "implement" },
    { id: "qa_testing", max_parallel: 2 },
    { id: "ticket_fix" },
    { id: "align_tests" },
    { id: "doc_governance" },
    { id: "loop_guard", builtin: "loop_guard", is_guard: true },
  ],
});

describe("stepsForCycle", () => {
  it("runs repeatable: false steps in cycle 1 only", () => {
    expect(stepsForCycle(plan, 1).map((s) => s.id)).toContain("plan");
    expect(stepsForCycle(plan, 2).map((s) => s.id)).not.toContain("plan");
    expect(stepsForCycle(plan, 2).map((s) => s.id)).toContain("implement");
  });

  it("lists guard steps separately", () => {
    expect(guardStepsForCycle(plan, 3).map((s) => s.id)).toEqual(["loop_guard"]);
  });
});

describe("segmentsOf", () => {
  it("groups contiguous steps of one scope, leaving guard steps out", () => {
    expect(segmentsOf(plan).map((s) => [s.scope, s.steps.map((x) => x.id), s.maxParallel])).toEqual([
      ["task", ["plan", "implement"], 1],
      ["item", ["qa_testing", "ticket_fix"], 2],
      ["task", ["align_tests", "doc_governance"], 1],
    ]);
  });

  it("uses the workflow's max_parallel when the first item step sets none", () => {
    const steps = stepsForCycle(plan, 2).filter((s) => s.id !== "qa_testing");
    expect(segmentsOf(steps, plan.maxParallel).map((s) => [s.scope, s.maxParallel])).toEqual([
      ["task", 1],
      ["item", 4],
      ["task", 1],
    ]);
  });

  it("splits scopes that alternate", () => {
    const alternating = buildExecutionPlan({ steps: [{ id: "qa" }, { id: "plan" }, { id: "fix" }] });
    expect(segmentsOf(alternating).map((s) => s.scope)).toEqual(["item", "task", "item"]);
  });
});
