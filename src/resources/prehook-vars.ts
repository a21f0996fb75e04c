/**
 * @module Prehook variable check: a step's prehook may read the engine's
 * built-in variables and pipeline variables that an EARLIER step declares
 * (a capture, a store input, an item variable from generate_items). Anything
 * else must be given when the task starts (`--set`, a Task's `spec.vars`),
 * or the prehook fails at run time: the warning says so, since it is often
 * a typo or a missing capture.
 */
import { celVariables } from "../cel/identifiers.js";
import { conventionCaptureVars } from "./defaults.js";
import { formatPath, type Diagnostic } from "./diagnostics.js";
import type { JsonValue, Resource } from "./types.js";

/** Variables the engine sets for every prehook (upstream's list, plus those its guide documents). */
export const PREHOOK_BUILTIN_VARIABLES: readonly string[] = [
  "context", "task_id", "task_item_id", "cycle", "max_cycles", "is_last_cycle", "step", "steps",
  "task_status", "item_status", "qa_file_path",
  "qa_exit_code", "qa_failed", "active_ticket_count", "new_ticket_count",
  "fix_exit_code", "fix_required", "fix_has_changes", "retest_exit_code",
  "build_exit_code", "test_exit_code", "build_errors", "test_failures", "self_test_exit_code", "self_test_passed",
  "qa_confidence", "qa_quality_score", "fix_confidence",
  "self_referential_safe", "self_referential_safe_scenarios",
  "last_sandbox_denied", "sandbox_denied_count", "last_sandbox_denial_reason",
  "api_publishable",
];

const BUILTIN = new Set(PREHOOK_BUILTIN_VARIABLES);

type Path = Array<string | number>;

/** One undeclared read: the path of the prehook field (from the document root) and what to say. */
export interface PrehookVariableIssue {
  path: Path;
  message: string;
  hint: string;
}

/** Warnings for prehook reads of undeclared variables; paths point at the `when` field. */
export function checkPrehookVariables(workflow: Resource): Diagnostic[] {
  const resource = `workflow/${workflow.metadata?.name ?? ""}`;
  return prehookVariableIssues(workflow).map((i) => ({
    severity: "warning",
    code: "reference",
    resource,
    path: formatPath(i.path),
    message: i.message,
    hint: i.hint,
  }));
}

/** The same check with structured paths, for callers that resolve positions. */
export function prehookVariableIssues(workflow: Resource): PrehookVariableIssue[] {
  if (workflow.kind !== "Workflow" || !isObj(workflow.spec)) return [];
  const out: PrehookVariableIssue[] = [];
  walkSteps(workflow.spec["steps"], ["spec", "steps"], new Set(), out);
  return out;
}

/** Walks steps in order; returns the names declared by them, for the steps after. */
function walkSteps(steps: JsonValue | undefined, base: Path, declaredBefore: ReadonlySet<string>, out: PrehookVariableIssue[]): Set<string> {
  const declared = new Set(declaredBefore);
  if (!Array.isArray(steps)) return declared;
  steps.forEach((step, i) => {
    if (!isObj(step)) return;
    const at = [...base, i];
    const visible = new Set([...declared, ...keys(step["step_vars"])]);
    checkPrehook(step, at, visible, out);
    const inner = walkSteps(step["chain_steps"], [...at, "chain_steps"], declared, out);
    for (const name of inner) declared.add(name);
    for (const name of declaredBy(step)) declared.add(name);
    if (typeof step["id"] === "string") declared.add(step["id"]);
  });
  return declared;
}

function checkPrehook(step: Record<string, JsonValue>, at: Path, visible: ReadonlySet<string>, out: PrehookVariableIssue[]): void {
  const prehook = step["prehook"];
  if (!isObj(prehook)) return;
  const field = typeof prehook["when"] === "string" ? "when" : typeof prehook["expression"] === "string" ? "expression" : undefined;
  if (!field) return;
  const names = celVariables(prehook[field] as string);
  if (!names) return; // a syntax error is reported by schema validation
  const stepId = typeof step["id"] === "string" ? step["id"] : `#${String(at[at.length - 1])}`;
  for (const name of names) {
    if (BUILTIN.has(name) || visible.has(name)) continue;
    out.push({
      path: [...at, "prehook", field],
      message: `prehook of step '${stepId}' reads '${name}', which no earlier step captures and is not a built-in variable, so it must come from --set or the Task's spec.vars`,
      hint: `give it when the task starts (--set ${name}=..., or spec.vars.${name} in the Task or Run), capture it in an earlier step (behavior.captures: [{var: ${name}, source: stdout}]), or fix the name`,
    });
  }
}

/** Pipeline variables a step makes available to the steps after it. */
function declaredBy(step: Record<string, JsonValue>): string[] {
  // Conventions add captures (qa -> qa_failed, fix -> fix_success) that later steps may read.
  const names: string[] = conventionCaptureVars(step);
  const behavior = step["behavior"];
  if (isObj(behavior)) {
    for (const c of list(behavior["captures"])) if (isObj(c) && typeof c["var"] === "string") names.push(c["var"]);
    for (const a of list(behavior["post_actions"])) {
      // generate_items gives each new item the variables named in mapping.vars.
      if (isObj(a) && a["type"] === "generate_items" && isObj(a["mapping"])) names.push(...keys(a["mapping"]["vars"]));
    }
  }
  for (const s of list(step["store_inputs"])) if (isObj(s) && typeof s["as_var"] === "string") names.push(s["as_var"]);
  return names;
}

function isObj(v: JsonValue | undefined): v is Record<string, JsonValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function list(v: JsonValue | undefined): JsonValue[] {
  return Array.isArray(v) ? v : [];
}

function keys(v: JsonValue | undefined): string[] {
  return isObj(v) ? Object.keys(v) : [];
}
