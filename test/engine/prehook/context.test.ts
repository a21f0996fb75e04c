import { describe, expect, it } from "vitest";
import { buildExecutionPlan } from "../../../src/engine/plan/build.js";
import { emptyItemFacts, recordStepRun, recordStepSkipped, stepRolesOf } from "../../../src/engine/prehook/facts.js";
import { finalizeVariables, inferCelValue, prehookVariables, type PrehookInput } from "../../../src/engine/prehook/context.js";
import { evaluatePrehook } from "../../../src/engine/prehook/evaluate.js";

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

const when = (expr: string, over: Partial<PrehookInput> = {}): boolean => evaluatePrehook(expr, prehookVariables(input(over)), { step: "fix" }).run;

describe("prehook variables", () => {
  it("offers every documented variable, nullable ones as null before anything ran", () => {
    const vars = prehookVariables(input());
    expect(vars).toEqual({
      cycle: 2n,
      max_cycles: 3n,
      is_last_cycle: false,
      task_id: "t1",
      task_item_id: "i1",
      task_status: "running",
      item_status: "pending",
      step: "fix",
      qa_file_path: "docs/qa/a.md",
      qa_exit_code: null,
      qa_failed: false,
      active_ticket_count: 0n,
      new_ticket_count: 0n,
      fix_exit_code: null,
      fix_required: false,
      retest_exit_code: null,
      build_exit_code: null,
      test_exit_code: null,
      build_errors: 0n,
      test_failures: 0n,
      self_test_exit_code: null,
      self_test_passed: false,
      qa_confidence: null,
      qa_quality_score: null,
      fix_confidence: null,
      fix_quality_score: null,
      self_referential_safe: true,
    });
  });

  it("keeps ints as CEL ints, so int arithmetic works", () => {
    expect(when("cycle + 1 == 3 && max_cycles - cycle == 1")).toBe(true);
    expect(when("is_last_cycle", { cycle: 3 })).toBe(true);
  });

  it("null-checks guard optional exit codes, which fill in once the step ran", () => {
    const expr = "qa_exit_code != null && qa_exit_code == 0";
    expect(when(expr)).toBe(false);
    const roles = stepRolesOf(plan.steps);
    const ran = recordStepRun(emptyItemFacts(), "run_qa", roles, { exitCode: 0, output: { confidence: 0.5, qualityScore: 0.9, artifacts: [] } });
    expect(when(expr, { facts: ran })).toBe(true);
    expect(when("qa_confidence != null && qa_confidence < 0.8 && qa_quality_score > 0.8", { facts: ran })).toBe(true);
    const built = recordStepRun(ran, "build", roles, { exitCode: 2 });
    expect(when("build_exit_code != null && build_exit_code != 0", { facts: built })).toBe(true);
  });

  it("derives qa_failed and fix_required from capture flags and tickets", () => {
    const facts = { ...emptyItemFacts(), flags: { qa_failed: true } };
    expect(when("qa_failed && fix_required", { facts })).toBe(true);
    expect(when("fix_required && active_ticket_count > 0", { facts: { ...emptyItemFacts(), activeTicketCount: 2 } })).toBe(true);
  });

  it("leaves item variables empty for task-scoped steps", () => {
    const { item: _item, ...taskScoped } = input();
    expect(prehookVariables(taskScoped)).toMatchObject({ task_item_id: "", qa_file_path: "" });
  });
});

describe("pipeline variables in CEL", () => {
  it("infers int, double, bool, list and string", () => {
    expect(inferCelValue("42")).toBe(42n);
    expect(inferCelValue("-7")).toBe(-7n);
    expect(inferCelValue("3.14")).toBe(3.14);
    expect(inferCelValue("true")).toBe(true);
    expect(inferCelValue("false")).toBe(false);
    expect(inferCelValue('["a","b"]')).toEqual(["a", "b"]);
    expect(inferCelValue("[1, 2.5]")).toEqual([1n, 2.5]);
    expect(inferCelValue("[not json")).toBe("[not json");
    expect(inferCelValue("hello")).toBe("hello");
    expect(inferCelValue("True")).toBe("True");
    expect(inferCelValue("99999999999999999999")).toBe("99999999999999999999");
  });

  it("evaluates the documented examples", () => {
    const itemVars = { my_count: "42", score: "3.14", feature_enabled: "true", targets: '["docs/qa/a.md","docs/qa/b.md"]', my_var: "hello" };
    expect(when('my_count > 10 && my_count + 1 == 43 && score >= 3.0 && feature_enabled && qa_file_path in targets && my_var == "hello"', { itemVars })).toBe(true);
  });

  it("lets built-ins win over pipeline variables and item variables over task ones", () => {
    expect(when('cycle == 2 && step == "fix" && v == "item"', { taskVars: { cycle: "99", step: "x", v: "task" }, itemVars: { v: "item" } })).toBe(true);
  });

  it("lets a variable given with --set or spec.vars win over the built-in of that name, typed", () => {
    expect(when("cycle == 7 && qa_file_path == 'forced.md' && step == 'fix'", { taskVars: { cycle: "7", qa_file_path: "forced.md", step: "x" }, ownNames: ["cycle", "qa_file_path"] })).toBe(true);
    const vars = finalizeVariables({ ...input({ taskVars: { qa_ran: "true" } }), ownNames: ["qa_ran"] });
    expect(vars["qa_ran"]).toBe(true);
  });

  it("leaves out values too large to inline", () => {
    const vars = prehookVariables(input({ itemVars: { big: "x".repeat(5000), small: "ok" } }));
    expect(vars).not.toHaveProperty("big");
    expect(vars["small"]).toBe("ok");
  });
});

describe("finalize variables", () => {
  it("tracks what ran, was skipped and succeeded, by role", () => {
    const roles = stepRolesOf(plan.steps);
    let facts = recordStepRun(emptyItemFacts(), "run_qa", roles, { exitCode: 1, captures: { vars: {}, flags: { qa_failed: true }, problems: [] } });
    facts = recordStepSkipped(facts, "fix");
    const vars = finalizeVariables({ ...input(), facts });
    expect(vars).toMatchObject({
      qa_ran: true,
      qa_skipped: false,
      qa_observed: true,
      qa_configured: true,
      qa_exit_code: 1n,
      qa_failed: true,
      fix_ran: false,
      fix_skipped: true,
      fix_enabled: true,
      fix_success: false,
      retest_enabled: false,
      retest_ran: false,
      retest_new_ticket_count: 0n,
    });
  });
});
