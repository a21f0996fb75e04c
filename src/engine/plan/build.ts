/**
 * @module The execution plan: from a Workflow spec (after defaults) to the
 * ordered steps the engine runs, each with its mode and scope resolved, after
 * the `enabled` and `--step` filters.
 */
import { inferBuiltin, inferRequiredCapability, inferStepScope } from "../../resources/defaults.js";
import { loopPolicyOf } from "./loop.js";
import type { ExecutionPlan, PlannedStep, StepMode, StepSpec, WorkflowSpec } from "./types.js";

export class PlanError extends Error {
  override name = "PlanError";
}

export interface PlanOptions {
  /** Workflow name, for messages. */
  workflow?: string;
  /** `--step` ids; when given, only these steps run (still in workflow order). */
  steps?: readonly string[];
}

/**
 * Builds the plan. Throws PlanError when the workflow has no enabled step, a
 * `--step` id is unknown, or a step has no way to run.
 */
export function buildExecutionPlan(spec: WorkflowSpec, options: PlanOptions = {}): ExecutionPlan {
  const enabled = spec.steps
    .map((step, index) => ({ step, index }))
    .filter(({ step }) => step.enabled !== false)
    .map(({ step, index }) => planStep(step, index));

  if (enabled.length === 0) {
    const name = options.workflow ? `workflow '${options.workflow}'` : "workflow";
    throw new PlanError(`${name} has no enabled step; set 'enabled: true' on at least one step in spec.steps`);
  }

  const steps = options.steps && options.steps.length > 0 ? filterSteps(enabled, options.steps) : enabled;
  const rules = spec.finalize?.rules;
  return {
    steps,
    loop: loopPolicyOf(spec.loop),
    ...(rules && rules.length > 0 ? { finalizeRules: rules } : {}),
    maxParallel: positiveInt(spec.max_parallel) ?? 1,
  };
}

/** Keeps the requested steps in workflow order; every id must name a step of the plan. */
export function filterSteps(steps: readonly PlannedStep[], ids: readonly string[]): PlannedStep[] {
  const known = new Set(steps.map((s) => s.id));
  const unknown = ids.find((id) => !known.has(id));
  if (unknown !== undefined) {
    throw new PlanError(
      `unknown step id '${unknown}' in --step filter; available steps: ${steps.map((s) => s.id).join(", ")}`,
    );
  }
  const wanted = new Set(ids);
  return steps.filter((s) => wanted.has(s.id));
}

export function planStep(spec: StepSpec, index: number): PlannedStep {
  const type = spec.type ?? spec.id;
  const resolved = resolveMode(spec, type);
  const when = spec.prehook?.when ?? spec.prehook?.expression;
  const step: PlannedStep = {
    id: spec.id,
    type,
    index,
    scope: spec.scope ?? inferStepScope(resolved.builtin ?? resolved.capability ?? type),
    mode: resolved.mode,
    chain: (spec.chain_steps ?? []).filter((c) => c.enabled !== false).map((c, i) => ({ ...planStep(c, i), parent: spec.id })),
    // init_once runs once per task (upstream's init_done), whatever `repeatable` says.
    repeatable: spec.repeatable !== false && !isInitOnce(spec, type, resolved),
    isGuard: spec.is_guard ?? resolved.builtin === "loop_guard",
    captures: spec.behavior?.captures ?? [],
    spec,
  };
  if (resolved.builtin !== undefined) step.builtin = resolved.builtin;
  if (resolved.capability !== undefined) step.capability = resolved.capability;
  if (resolved.mode === "command" && spec.command !== undefined) step.command = spec.command;
  if (spec.template !== undefined) step.template = spec.template;
  if (when !== undefined && when.trim() !== "") {
    step.prehook = spec.prehook?.reason !== undefined ? { when, reason: spec.prehook.reason } : { when };
  }
  const maxParallel = positiveInt(spec.max_parallel);
  if (maxParallel !== undefined) step.maxParallel = maxParallel;
  const timeout = positiveInt(spec.timeout_secs);
  if (timeout !== undefined) step.timeoutSecs = timeout;
  return step;
}

function isInitOnce(spec: StepSpec, type: string, resolved: ResolvedMode): boolean {
  return resolved.builtin === "init_once" || spec.id === "init_once" || type === "init_once";
}

interface ResolvedMode {
  mode: StepMode;
  builtin?: string;
  capability?: string;
}

/**
 * Upstream's order: chain_steps, then command, then builtin, then
 * required_capability, then what the id or type implies. A step with both a
 * command and a capability (as some upstream fixtures write) runs the command.
 */
function resolveMode(spec: StepSpec, type: string): ResolvedMode {
  if (spec.chain_steps && spec.chain_steps.length > 0) return { mode: "chain" };
  if (spec.command !== undefined) return { mode: "command" };
  if (spec.builtin !== undefined) return { mode: "builtin", builtin: spec.builtin };
  if (spec.required_capability !== undefined) return { mode: "agent", capability: spec.required_capability };
  const builtin = inferBuiltin({ id: spec.id, type });
  if (builtin !== undefined) return { mode: "builtin", builtin };
  const capability = inferRequiredCapability({ id: spec.id, type });
  if (capability !== undefined) return { mode: "agent", capability };
  throw new PlanError(
    `step '${spec.id}' has no way to run; set one of builtin, required_capability, command or chain_steps`,
  );
}

function positiveInt(v: number | undefined): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined;
}
