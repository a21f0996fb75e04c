import { describe, expect, it } from "vitest";
import { buildExecutionPlan } from "../../../src/engine/plan/build.js";
import { emptyItemFacts, recordStepRun, recordStepSkipped, stepRolesOf } from "../../../src/engine/prehook/facts.js";

describe("stepRolesOf", () => {
  it("assigns steps to QA, fix and retest by id, type or capability, canonical ids first", () => {
    const plan = buildExecutionPlan({
      steps: [{ id: "smoke", required_capability: "qa_testing" }, { id: "repair", type: "ticket_fix" }, { id: "again", required_capability: "retest" }, { id: "plan" }],
    });
    expect(stepRolesOf(plan.steps)).toEqual({
      qa: ["qa", "qa_testing", "smoke"],
      fix: ["fix", "ticket_fix", "repair"],
      retest: ["retest", "again"],
    });
  });
});

describe("recording", () => {
  const roles = { qa: ["qa"], fix: ["fix"], retest: ["retest"] };

  it("records runs, exit codes, capture flags and the right agent's scores without changing the input", () => {
    const start = emptyItemFacts();
    const afterQa = recordStepRun(start, "qa", roles, {
      exitCode: 1,
      captures: { vars: {}, flags: { qa_failed: true }, problems: [] },
      output: { confidence: 0.4, qualityScore: 0.3, artifacts: [{ kind: "ticket" }] },
    });
    const afterFix = recordStepRun(afterQa, "fix", roles, { exitCode: 0, output: { confidence: 0.9, artifacts: [] } });
    expect(start.ran).toEqual({});
    expect(afterFix).toMatchObject({
      exitCodes: { qa: 1, fix: 0 },
      ran: { qa: true, fix: true },
      flags: { qa_failed: true },
      qaConfidence: 0.4,
      qaQualityScore: 0.3,
      fixConfidence: 0.9,
      fixQualityScore: null,
      artifactKinds: ["ticket"],
    });
  });

  it("records skips", () => {
    expect(recordStepSkipped(emptyItemFacts(), "retest").skipped).toEqual({ retest: true });
  });
});
