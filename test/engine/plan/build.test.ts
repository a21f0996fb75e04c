import { describe, expect, it } from "vitest";
import { applyDefaults } from "../../../src/resources/defaults.js";
import { buildExecutionPlan, PlanError } from "../../../src/engine/plan/build.js";
import type { StepSpec, WorkflowSpec } from "../../../src/engine/plan/types.js";

/** A Workflow spec as the engine receives it: through the shared defaults. */
function workflow(spec: Record<string, unknown>): WorkflowSpec {
  const r = applyDefaults({ apiVersion: "orchestrator.dev/v2", kind: "Workflow", metadata: { name: "wf" }, spec: spec as never });
  return r.spec as unknown as WorkflowSpec;
}

const threeSteps = workflow({
  steps: [
    { id: "plan", required_capability: "plan" },
    { id: "implement", required_capability: "implement" },
    { id: "verify", command: "npm test" },
  ],
});

describe("buildExecutionPlan", () => {
  it("keeps workflow order and resolves each step's mode and scope", () => {
    const plan = buildExecutionPlan(
      workflow({
        steps: [
          { id: "init_once" },
          { id: "plan" },
          { id: "qa_testing" },
          { id: "check", command: "cargo check" },
          { id: "smoke", chain_steps: [{ id: "a", command: "true" }, { id: "b", command: "false", enabled: false }] },
          { id: "loop_guard", builtin: "loop_guard" },
        ],
      }),
    );
    expect(plan.steps.map((s) => [s.id, s.mode, s.scope])).toEqual([
      ["init_once", "builtin", "task"],
      ["plan", "agent", "task"],
      ["qa_testing", "agent", "item"],
      ["check", "command", "task"],
      ["smoke", "chain", "task"],
      ["loop_guard", "builtin", "task"],
    ]);
    expect(plan.steps[1]!.capability).toBe("plan");
    expect(plan.steps[3]!.command).toBe("cargo check");
    expect(plan.steps[4]!.chain.map((c) => c.id)).toEqual(["a"]);
    expect(plan.steps[5]!.isGuard).toBe(true);
  });

  it("runs the command when a step declares both a command and a capability (upstream fixture shape)", () => {
    const plan = buildExecutionPlan(workflow({ steps: [{ id: "plan", required_capability: "plan", command: "echo hi" }] }));
    expect(plan.steps[0]!.mode).toBe("command");
    expect(plan.steps[0]!.command).toBe("echo hi");
  });

  it("honours an explicit scope over the inferred one", () => {
    const plan = buildExecutionPlan(workflow({ steps: [{ id: "qa", scope: "task" }] }));
    expect(plan.steps[0]!.scope).toBe("task");
  });

  it("infers mode and scope from the type when the spec skipped defaults", () => {
    const raw: WorkflowSpec = { steps: [{ id: "run_qa", type: "qa" } as StepSpec, { id: "guard", type: "loop_guard" }] };
    const plan = buildExecutionPlan(raw);
    expect(plan.steps.map((s) => [s.mode, s.scope, s.capability ?? s.builtin])).toEqual([
      ["agent", "item", "qa"],
      ["builtin", "task", "loop_guard"],
    ]);
  });

  it("drops disabled steps", () => {
    const plan = buildExecutionPlan(workflow({ steps: [{ id: "plan" }, { id: "qa", enabled: false }, { id: "fix" }] }));
    expect(plan.steps.map((s) => s.id)).toEqual(["plan", "fix"]);
    expect(plan.steps.map((s) => s.index)).toEqual([0, 2]);
  });

  it("fails when no step is enabled", () => {
    expect(() => buildExecutionPlan(workflow({ steps: [{ id: "qa", enabled: false }] }), { workflow: "qa_only" })).toThrow(
      new PlanError("workflow 'qa_only' has no enabled step; set 'enabled: true' on at least one step in spec.steps"),
    );
    expect(() => buildExecutionPlan(workflow({ steps: [] }))).toThrow(PlanError);
  });

  it("fails for a step with no way to run", () => {
    expect(() => buildExecutionPlan(workflow({ steps: [{ id: "mystery" }] }))).toThrow(
      "step 'mystery' has no way to run; set one of builtin, required_capability, command or chain_steps",
    );
  });

  it("lifts the prehook, accepting the older `expression` spelling", () => {
    const plan = buildExecutionPlan(
      workflow({
        steps: [
          { id: "qa", prehook: { engine: "cel", when: "is_last_cycle", reason: "deferred" } },
          { id: "fix", prehook: { engine: "cel", expression: "qa_confidence != null && qa_confidence < 0.8" } },
        ],
      }),
    );
    expect(plan.steps[0]!.prehook).toEqual({ when: "is_last_cycle", reason: "deferred" });
    expect(plan.steps[1]!.prehook).toEqual({ when: "qa_confidence != null && qa_confidence < 0.8" });
  });

  it("uses the workflow's finalize rules when it has some", () => {
    const rules = [{ id: "all_pass", engine: "cel", when: "true", status: "qa_passed" }];
    expect(buildExecutionPlan({ steps: [{ id: "qa" }], finalize: { rules } }).finalizeRules).toEqual(rules);
    expect(buildExecutionPlan({ steps: [{ id: "qa" }] }).finalizeRules).toBeUndefined();
  });
});

describe("--step filter", () => {
  it("keeps only the named steps, in workflow order whatever the order given", () => {
    const plan = buildExecutionPlan(threeSteps, { steps: ["verify", "plan"] });
    expect(plan.steps.map((s) => s.id)).toEqual(["plan", "verify"]);
  });

  it("rejects an unknown id with the exact message listing the plan's steps", () => {
    expect(() => buildExecutionPlan(threeSteps, { steps: ["plan", "nonexistent"] })).toThrow(
      new PlanError("unknown step id 'nonexistent' in --step filter; available steps: plan, implement, verify"),
    );
  });

  it("does not offer disabled steps as available", () => {
    const wf = workflow({ steps: [{ id: "plan" }, { id: "qa", enabled: false }, { id: "fix" }] });
    expect(() => buildExecutionPlan(wf, { steps: ["qa"] })).toThrow(
      "unknown step id 'qa' in --step filter; available steps: plan, fix",
    );
  });

  it("makes init_once steps run in the first cycle only, whatever repeatable says", () => {
    const plan = buildExecutionPlan(
      workflow({ steps: [{ id: "init_once" }, { id: "setup", builtin: "init_once", repeatable: true }, { id: "init_once_cmd", type: "init_once", command: "echo hi" }, { id: "work", command: "true" }] }),
    );
    expect(plan.steps.map((s) => [s.id, s.repeatable])).toEqual([
      ["init_once", false],
      ["setup", false],
      ["init_once_cmd", false],
      ["work", true],
    ]);
  });
});
