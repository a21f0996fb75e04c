import { describe, expect, it } from "vitest";
import { DEFAULT_RULES, FinalizeError, finalizeItem, finalizeItemCycle, isDefaultRuleSet } from "../../../src/engine/finalize/finalize.js";
import { buildExecutionPlan } from "../../../src/engine/plan/build.js";
import type { StepSpec } from "../../../src/engine/plan/types.js";
import { finalizeVariables } from "../../../src/engine/prehook/context.js";
import { emptyItemFacts, recordStepRun, recordStepSkipped, stepRolesOf, type ItemFacts } from "../../../src/engine/prehook/facts.js";

type Event = ["ran", string, number, Record<string, boolean>?] | ["skipped", string] | ["tickets", number];

/** Finalizes one item after `events` happened in a cycle of a workflow with `steps`. */
function finalize(steps: StepSpec[], events: Event[], cycle = 1, maxCycles = 1) {
  const plan = buildExecutionPlan({ steps, loop: { mode: "fixed", max_cycles: maxCycles } });
  const roles = stepRolesOf(plan.steps);
  let facts: ItemFacts = emptyItemFacts();
  for (const e of events) {
    if (e[0] === "ran") facts = recordStepRun(facts, e[1], roles, { exitCode: e[2], captures: { vars: {}, flags: e[3] ?? {}, problems: [] } });
    else if (e[0] === "skipped") facts = recordStepSkipped(facts, e[1]);
    else facts = { ...facts, activeTicketCount: e[1] };
  }
  return finalizeItem(finalizeVariables({ plan, cycle, taskId: "t", taskStatus: "running", item: { id: "i", qaFilePath: "q.md" }, facts }), undefined);
}

const qaFixRetest: StepSpec[] = [{ id: "qa" }, { id: "fix" }, { id: "retest" }];

describe("default finalize rules", () => {
  it("are the twelve upstream rules in upstream order", () => {
    expect(DEFAULT_RULES.map((r) => [r.id, r.status])).toEqual([
      ["skip_without_tickets", "skipped"],
      ["qa_passed_without_tickets", "qa_passed"],
      ["fix_disabled_with_tickets", "unresolved"],
      ["fix_failed", "unresolved"],
      ["fixed_without_retest", "fixed"],
      ["fix_skipped_and_retest_disabled", "unresolved"],
      ["fixed_retest_skipped_after_fix_success", "fixed"],
      ["unresolved_retest_skipped_without_fix", "unresolved"],
      ["verified_after_retest", "verified"],
      ["unresolved_after_retest", "unresolved"],
      ["fallback_unresolved_with_tickets", "unresolved"],
      ["fallback_qa_passed", "qa_passed"],
    ]);
  });

  it("skip_without_tickets: QA skipped on the last cycle with no tickets", () => {
    expect(finalize(qaFixRetest, [["skipped", "qa"]], 2, 2)).toMatchObject({ status: "skipped", ruleId: "skip_without_tickets" });
  });

  it("qa_passed_without_tickets: QA ran and passed", () => {
    expect(finalize(qaFixRetest, [["ran", "qa", 0]])).toMatchObject({ status: "qa_passed", ruleId: "qa_passed_without_tickets" });
  });

  it("fix_disabled_with_tickets: tickets but the workflow has no fix step", () => {
    expect(finalize([{ id: "qa" }], [["ran", "qa", 1], ["tickets", 1]])).toMatchObject({ status: "unresolved", ruleId: "fix_disabled_with_tickets" });
  });

  it("fix_failed: the fix ran and failed", () => {
    expect(finalize(qaFixRetest, [["ran", "qa", 1], ["tickets", 1], ["ran", "fix", 1, { fix_success: false }]])).toMatchObject({ ruleId: "fix_failed", status: "unresolved" });
  });

  it("fixed_without_retest: the fix worked and there is no retest step", () => {
    expect(finalize([{ id: "qa" }, { id: "fix" }], [["ran", "qa", 1], ["tickets", 1], ["ran", "fix", 0, { fix_success: true }]])).toMatchObject({ ruleId: "fixed_without_retest", status: "fixed" });
  });

  it("fix_skipped_and_retest_disabled: tickets, a fix step that did not run, no retest", () => {
    expect(finalize([{ id: "qa" }, { id: "fix" }], [["ran", "qa", 1], ["tickets", 1]])).toMatchObject({ ruleId: "fix_skipped_and_retest_disabled", status: "unresolved" });
  });

  it("fixed_retest_skipped_after_fix_success: fix worked, retest skipped", () => {
    expect(finalize(qaFixRetest, [["ran", "qa", 1], ["tickets", 1], ["ran", "fix", 0, { fix_success: true }], ["skipped", "retest"]])).toMatchObject({ ruleId: "fixed_retest_skipped_after_fix_success", status: "fixed" });
  });

  it("unresolved_retest_skipped_without_fix: fix and retest both skipped with tickets", () => {
    expect(finalize(qaFixRetest, [["ran", "qa", 1], ["tickets", 1], ["skipped", "fix"], ["skipped", "retest"]])).toMatchObject({ ruleId: "unresolved_retest_skipped_without_fix", status: "unresolved" });
  });

  it("verified_after_retest: the retest passed with no new tickets", () => {
    expect(finalize(qaFixRetest, [["ran", "qa", 1], ["ran", "fix", 0, { fix_success: true }], ["ran", "retest", 0, { retest_success: true }]])).toMatchObject({ ruleId: "verified_after_retest", status: "verified" });
  });

  it("unresolved_after_retest: the retest still fails", () => {
    expect(finalize(qaFixRetest, [["ran", "qa", 1], ["ran", "fix", 0, { fix_success: true }], ["ran", "retest", 1, { retest_success: false }]])).toMatchObject({ ruleId: "unresolved_after_retest", status: "unresolved" });
  });

  it("fallback_qa_passed: nothing else applies and no tickets remain", () => {
    expect(finalize(qaFixRetest, [["skipped", "qa"]], 1, 2)).toMatchObject({ ruleId: "fallback_qa_passed", status: "qa_passed" });
  });
});

describe("workflow finalize rules", () => {
  const vars = { qa_ran: true, active_ticket_count: 0n, cycle: 1n };

  it("replace the defaults; the first match wins", () => {
    const rules = [
      { id: "never", when: "false", status: "x" },
      { id: "clean", when: "qa_ran && active_ticket_count == 0", status: "qa_passed", reason: "QA clean" },
      { id: "fallback", when: "true", status: "pending" },
    ];
    expect(finalizeItem(vars, rules)).toEqual({ status: "qa_passed", ruleId: "clean", reason: "QA clean" });
  });

  it("leave the item's status as it is when no rule matches", () => {
    const never = [{ id: "never", when: "false", status: "x" }];
    expect(finalizeItem({ ...vars, item_status: "in_progress" }, never)).toEqual({ status: "in_progress", reason: "no finalize rule matched" });
    expect(finalizeItem(vars, never, "blocked")).toEqual({ status: "blocked", reason: "no finalize rule matched" });
  });

  it("name the rule that cannot be evaluated", () => {
    expect(() => finalizeItem(vars, [{ id: "typo", when: "qa_rann", status: "x" }])).toThrow(FinalizeError);
    expect(() => finalizeItem(vars, [{ id: "typo", when: "qa_rann", status: "x" }])).toThrow(/finalize rule 'typo' failed/);
  });
});

describe("finalizeItemCycle", () => {
  const plan = buildExecutionPlan({ steps: [{ id: "lint", command: "x", scope: "item" }] });
  const vars = finalizeVariables({ plan, cycle: 1, taskId: "t", taskStatus: "running", item: { id: "i", qaFilePath: "q.md" }, facts: emptyItemFacts() });

  it("keeps a status a step set explicitly over the default rules", () => {
    expect(finalizeItemCycle(vars, DEFAULT_RULES, { status: "blocked", explicit: { status: "blocked", step: "lint" }, failedSteps: ["lint"] })).toEqual({
      status: "blocked",
      reason: "status set by step 'lint'",
    });
  });

  it("calls an item whose step failed unresolved rather than passing it by the fallback rule", () => {
    expect(finalizeItemCycle(vars, DEFAULT_RULES, { status: "pending", failedSteps: ["lint"] })).toMatchObject({ status: "unresolved", ruleId: "step_failed" });
    expect(finalizeItemCycle(vars, undefined, { status: "pending", failedSteps: [] })).toMatchObject({ status: "qa_passed", ruleId: "fallback_qa_passed" });
  });

  it("leaves a workflow's own rules in charge; they see the explicit status as item_status", () => {
    const own = [{ id: "blocked_is_unresolved", when: "item_status == 'blocked'", status: "unresolved" }];
    const withStatus = { ...vars, item_status: "blocked" };
    expect(finalizeItemCycle(withStatus, own, { status: "blocked", explicit: { status: "blocked", step: "lint" }, failedSteps: ["lint"] })).toMatchObject({ status: "unresolved" });
    expect(finalizeItemCycle(vars, own, { status: "custom", explicit: { status: "custom", step: "lint" }, failedSteps: ["lint"] })).toMatchObject({ status: "custom" });
    expect(isDefaultRuleSet(own)).toBe(false);
    expect(isDefaultRuleSet(DEFAULT_RULES.map((r) => ({ ...r })))).toBe(true);
  });
});
