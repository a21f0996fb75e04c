/**
 * @module Running a cycle's adaptive plan: the planner agent runs as the
 * cycle's first step (`adaptive_plan`, recorded like any run), its plan is
 * kept in the task's state so a resumed cycle runs the same steps, and an
 * `adaptive_plan_accepted` or `adaptive_plan_fallback` event says which
 * steps the cycle runs.
 */
import type { JsonObject } from "../../resources/types.js";
import type { PlannedStep, StepSpec } from "../plan/types.js";
import { planStep } from "../plan/build.js";
import { adaptiveConfigOf, AdaptivePlanError, plannerPrompt, stepsFromPlan } from "./adaptive-plan.js";

/** Where in a task's state the current cycle's plan lives. */
export const ADAPTIVE_PLAN_KEY = "adaptivePlan";

export interface AdaptiveCycleInput {
  workflow: JsonObject | undefined;
  workflowName: string;
  goal: string;
  cycle: number;
  staticSteps: readonly PlannedStep[];
  lastCycle: readonly string[];
  state: JsonObject;
  /** Runs the planner step; resolves with what it printed, or why it could not run. */
  runPlanner: (step: PlannedStep) => Promise<{ ok: true; stdout: string } | { ok: false; reason: string }>;
  event: (type: string, message: string, data: JsonObject) => void;
}

export type AdaptiveOutcome =
  /** Not adaptive: the workflow's own steps. */
  | { kind: "static" }
  | { kind: "planned"; steps: PlannedStep[]; record: JsonObject }
  | { kind: "fallback"; reason: string }
  | { kind: "failed"; reason: string };

/** The planner step's id, type and capability. */
export const PLANNER_STEP = "adaptive_plan";

/** The planner as a step: an agent step pinned to the planner agent, with the planning prompt. */
export function plannerStep(agent: string, prompt: string): PlannedStep {
  const spec: StepSpec = { id: PLANNER_STEP, type: PLANNER_STEP, scope: "task", required_capability: PLANNER_STEP, repeatable: true };
  return { ...planStep(spec, -1), agent, prompt };
}

export async function adaptiveStepsForCycle(input: AdaptiveCycleInput): Promise<AdaptiveOutcome> {
  const config = adaptiveConfigOf(input.workflow?.["adaptive"]);
  if (!config) return { kind: "static" };
  const saved = input.state[ADAPTIVE_PLAN_KEY];
  if (saved && typeof saved === "object" && !Array.isArray(saved) && saved["cycle"] === input.cycle && Array.isArray(saved["steps"])) {
    const specs = saved["steps"] as unknown as StepSpec[];
    return { kind: "planned", steps: specs.map((s, i) => planStep(s, i)), record: saved };
  }
  const prompt = plannerPrompt({ goal: input.goal, cycle: input.cycle, workflow: input.workflowName, staticSteps: input.staticSteps, lastCycle: input.lastCycle });
  const ran = await input.runPlanner(plannerStep(config.plannerAgent, prompt));
  let reason: string;
  if (ran.ok) {
    try {
      const steps = stepsFromPlan(ran.stdout);
      const record: JsonObject = { cycle: input.cycle, steps: steps.map((s) => s.spec as unknown as JsonObject) };
      input.event("adaptive_plan_accepted", `cycle ${input.cycle}: ${steps.map((s) => s.id).join(", ")}`, { cycle: input.cycle, steps: steps.map((s) => s.id) });
      return { kind: "planned", steps, record };
    } catch (err) {
      if (!(err instanceof AdaptivePlanError)) throw err;
      reason = `the adaptive plan cannot be used: ${err.message}`;
    }
  } else reason = `the planner did not run: ${ran.reason}`;
  if (config.fallback === "fail_closed") return { kind: "failed", reason: `${reason} (adaptive.fallback_mode: fail_closed)` };
  input.event("adaptive_plan_fallback", `cycle ${input.cycle}: ${reason}; the workflow's own steps run`, { cycle: input.cycle, reason });
  return { kind: "fallback", reason };
}
