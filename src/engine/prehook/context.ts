/**
 * @module The CEL variables a prehook (`when`) and a finalize rule see:
 * pipeline variables with their types inferred, then the documented
 * built-ins, which win over them, except over a name the task was given
 * with `--set` or `spec.vars`. CEL ints are bigints here (as @marcbachmann/cel-js wants them),
 * doubles are numbers, a value that is not known yet is null.
 */
import { exceedsInlineLimit } from "../prompt/spill.js";
import { isLastCycle } from "../plan/loop.js";
import type { ExecutionPlan } from "../plan/types.js";
import { stepRolesOf, type ItemFacts, type StepRoles } from "./facts.js";

export type CelValue = string | bigint | number | boolean | null | CelValue[] | { [key: string]: CelValue };
export type CelVars = Record<string, CelValue>;

export interface PrehookInput {
  plan: ExecutionPlan;
  /** 1-based. */
  cycle: number;
  /** Id of the step being gated. */
  step: string;
  taskId: string;
  taskStatus: string;
  /** Absent for task-scoped steps. */
  item?: { id: string; qaFilePath: string };
  facts: ItemFacts;
  /** False when the workspace is self-referential and the item is not safe to run. */
  selfReferentialSafe?: boolean;
  /** Pipeline variables of the task. */
  taskVars?: Readonly<Record<string, string>>;
  /** Pipeline variables of the item; they win over the task's. */
  itemVars?: Readonly<Record<string, string>>;
  /** Names given with `--set` or the Task's `spec.vars`: they win over the built-in of the same name. */
  ownNames?: readonly string[];
}

/** Variables for a step's prehook. */
export function prehookVariables(input: PrehookInput): CelVars {
  const pipeline = pipelineCelVars(input);
  return { ...pipeline, ...prehookBuiltins(input, stepRolesOf(input.plan.steps)), ...ownVars(input, pipeline) };
}

/** Variables for finalize rules: the prehook ones plus what ran, was skipped and succeeded. */
export function finalizeVariables(input: Omit<PrehookInput, "step"> & { step?: string }): CelVars {
  const full: PrehookInput = { ...input, step: input.step ?? "" };
  const roles = stepRolesOf(input.plan.steps);
  const pipeline = pipelineCelVars(full);
  return { ...pipeline, ...prehookBuiltins(full, roles), ...finalizeBuiltins(full, roles), ...ownVars(full, pipeline) };
}

/** The task's own variables (`--set`, `spec.vars`), which win over built-ins of the same name. */
function ownVars(input: PrehookInput, pipeline: CelVars): CelVars {
  const out: CelVars = {};
  for (const name of input.ownNames ?? []) if (name in pipeline) out[name] = pipeline[name]!;
  return out;
}

/**
 * Type inference for a pipeline value: `"42"` int, `"3.14"` double,
 * `"true"`/`"false"` bool, a JSON array a list, anything else a string.
 */
export function inferCelValue(value: string): CelValue {
  const s = value.trim();
  if (/^[+-]?\d+$/.test(s)) {
    const n = BigInt(s);
    if (n >= INT64_MIN && n <= INT64_MAX) return n;
    return value;
  }
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (value === "true") return true;
  if (value === "false") return false;
  if (s.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(s);
      if (Array.isArray(parsed)) return parsed.map(fromJson);
    } catch {
      // Not JSON: a string that happens to start with '['.
    }
  }
  return value;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function fromJson(v: unknown): CelValue {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(fromJson);
  if (v !== null && typeof v === "object") {
    const out: { [key: string]: CelValue } = {};
    for (const [k, x] of Object.entries(v)) out[k] = fromJson(x);
    return out;
  }
  return v as string | boolean | null;
}

/** Task then item variables, typed; values too large to inline (spilled) are left out. */
function pipelineCelVars(input: PrehookInput): CelVars {
  const out: CelVars = {};
  for (const [k, v] of Object.entries({ ...input.taskVars, ...input.itemVars })) {
    if (!exceedsInlineLimit(v)) out[k] = inferCelValue(v);
  }
  return out;
}

function prehookBuiltins(input: PrehookInput, roles: StepRoles): CelVars {
  const f = input.facts;
  const vars = { ...input.taskVars, ...input.itemVars };
  const maxCycles = input.plan.loop.maxCycles;
  const selfTestExit = f.exitCodes["self_test"] ?? intOrUndefined(vars["self_test_exit_code"]);
  const qaFailed = f.flags["qa_failed"] ?? false;
  return {
    cycle: BigInt(input.cycle),
    // 0 stands for "no limit" so the variable stays an int.
    max_cycles: BigInt(maxCycles ?? 0),
    is_last_cycle: isLastCycle(input.plan.loop, input.cycle),
    task_id: input.taskId,
    task_item_id: input.item?.id ?? "",
    task_status: input.taskStatus,
    item_status: f.itemStatus,
    step: input.step,
    qa_file_path: input.item?.qaFilePath ?? "",
    qa_exit_code: exitOf(f, roles.qa),
    qa_failed: qaFailed,
    active_ticket_count: BigInt(f.activeTicketCount),
    new_ticket_count: BigInt(f.newTicketCount),
    fix_exit_code: exitOf(f, roles.fix),
    fix_required: qaFailed || f.activeTicketCount > 0,
    retest_exit_code: exitOf(f, roles.retest),
    build_exit_code: exitOf(f, ["build"]),
    test_exit_code: exitOf(f, ["test"]),
    build_errors: BigInt(f.buildErrors),
    test_failures: BigInt(f.testFailures),
    self_test_exit_code: selfTestExit === undefined ? null : BigInt(selfTestExit),
    self_test_passed: vars["self_test_passed"] !== undefined ? vars["self_test_passed"] === "true" : selfTestExit === 0,
    qa_confidence: f.qaConfidence,
    qa_quality_score: f.qaQualityScore,
    fix_confidence: f.fixConfidence,
    fix_quality_score: f.fixQualityScore,
    self_referential_safe: input.selfReferentialSafe ?? true,
  };
}

function finalizeBuiltins(input: PrehookInput, roles: StepRoles): CelVars {
  const f = input.facts;
  const any = (ids: readonly string[], map: Readonly<Record<string, boolean>>): boolean => ids.some((id) => map[id] === true);
  const runsThisCycle = (ids: readonly string[]): boolean =>
    input.plan.steps.some((s) => ids.includes(s.id) && (s.repeatable || input.cycle <= 1));
  const qaRan = any(roles.qa, f.ran);
  const qaSkipped = any(roles.qa, f.skipped);
  const qaConfigured = runsThisCycle(roles.qa);
  const fixRan = any(roles.fix, f.ran);
  const fixSkipped = any(roles.fix, f.skipped);
  const fixConfigured = runsThisCycle(roles.fix);
  const retestRan = any(roles.retest, f.ran);
  const retestSkipped = any(roles.retest, f.skipped);
  return {
    retest_new_ticket_count: BigInt(f.retestNewTicketCount),
    qa_configured: qaConfigured,
    qa_observed: qaRan || qaSkipped,
    qa_enabled: qaConfigured,
    qa_ran: qaRan,
    qa_skipped: qaSkipped,
    fix_configured: fixConfigured,
    fix_enabled: fixRan || fixSkipped || fixConfigured,
    fix_ran: fixRan,
    fix_skipped: fixSkipped,
    fix_success: f.flags["fix_success"] ?? false,
    retest_enabled: retestRan || retestSkipped || input.plan.steps.some((s) => roles.retest.includes(s.id)),
    retest_ran: retestRan,
    retest_success: f.flags["retest_success"] ?? false,
    total_artifacts: BigInt(f.artifactKinds.length),
    has_ticket_artifacts: f.artifactKinds.includes("ticket"),
    has_code_change_artifacts: f.artifactKinds.includes("code_change"),
  };
}

/** Exit code of the first step of `ids` that ran, or null. */
function exitOf(f: ItemFacts, ids: readonly string[]): bigint | null {
  for (const id of ids) {
    const code = f.exitCodes[id];
    if (code !== undefined) return BigInt(code);
  }
  return null;
}

function intOrUndefined(v: string | undefined): number | undefined {
  return v !== undefined && /^-?\d+$/.test(v.trim()) ? Number(v) : undefined;
}
