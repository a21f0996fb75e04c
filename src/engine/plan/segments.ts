/**
 * @module Which steps run in a given cycle, and how they group into scope
 * segments: contiguous task-scoped steps run once per cycle, contiguous
 * item-scoped steps fan out over the task's items.
 */
import type { ExecutionPlan, PlannedStep, Segment } from "./types.js";

/** Steps of the plan that run in `cycle` (1-based): `repeatable: false` steps only in cycle 1. */
export function stepsForCycle(plan: ExecutionPlan, cycle: number): PlannedStep[] {
  return plan.steps.filter((s) => s.repeatable || cycle <= 1);
}

/** Guard steps of the cycle; they run after the segments and the finalize rules. */
export function guardStepsForCycle(plan: ExecutionPlan, cycle: number): PlannedStep[] {
  return stepsForCycle(plan, cycle).filter((s) => s.isGuard);
}

/**
 * Groups steps into segments of one scope, in order, leaving guard steps out.
 * An item segment runs `max_parallel` of its first step, else the workflow's.
 */
export function segmentsOf(planOrSteps: ExecutionPlan | readonly PlannedStep[], defaultMaxParallel = 1): Segment[] {
  const steps = isPlan(planOrSteps) ? planOrSteps.steps : planOrSteps;
  const fallback = isPlan(planOrSteps) ? planOrSteps.maxParallel : defaultMaxParallel;
  const segments: Segment[] = [];
  for (const step of steps) {
    if (step.isGuard) continue;
    const last = segments[segments.length - 1];
    if (last && last.scope === step.scope) {
      last.steps.push(step);
      continue;
    }
    const maxParallel = step.scope === "item" ? (step.maxParallel ?? fallback) : 1;
    segments.push({ scope: step.scope, steps: [step], maxParallel });
  }
  return segments;
}

function isPlan(v: ExecutionPlan | readonly PlannedStep[]): v is ExecutionPlan {
  return !Array.isArray(v);
}
