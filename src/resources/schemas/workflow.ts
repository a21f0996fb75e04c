/**
 * @module Workflow spec: ordered steps (with chain children), loop policy,
 * finalize rules, safety limits, and the checks a schema cannot say: unique
 * step ids, how each step runs, and that every CEL expression parses.
 */
import { BUILTIN_STEP_NAMES, inferBuiltin, inferRequiredCapability } from "../defaults.js";
import { formatPath } from "../diagnostics.js";
import { probeShapeIssues, SAFETY_PROFILES } from "../safety-profile.js";
import { celIssues } from "./cel-fields.js";
import { commandTemplateIssues } from "./command-template.js";
import { nameProblem } from "./envelope.js";
import {
  boolean, celExpression, isObject, listOf, loose, nonEmptyString, nonNegativeInt, object, oneOf, positiveInt,
  resourceName, string, stringMap, type KindSpec, type SchemaObject, type SpecIssue,
} from "./common.js";

/** Step-level names that belong somewhere else (upstream's own list, plus `when`). */
const STEP_MISPLACED: Record<string, string> = {
  capture: "behavior.captures",
  captures: "behavior.captures",
  on_failure: "behavior.on_failure",
  on_success: "behavior.on_success",
  post_actions: "behavior.post_actions",
  execution: "behavior.execution",
  collect_artifacts: "behavior.collect_artifacts",
  when: "prehook.when",
};

const prehook = object({
  engine: oneOf("cel"),
  when: celExpression,
  /** Older manifests write the condition as `expression`. */
  expression: celExpression,
  reason: string,
  ui: {},
  extended: boolean,
}, { misplaced: { condition: "when" } });

const statusAction = (actions: readonly string[]): SchemaObject => ({
  ...object({ action: oneOf(...actions), status: nonEmptyString }, { required: ["action"] }),
  if: { properties: { action: { enum: ["set_status", "early_return"] } }, required: ["action"] },
  then: { required: ["status"] },
});

const capture = object({
  var: nonEmptyString,
  source: oneOf("stdout", "stderr", "exit_code", "failed_flag", "success_flag"),
  json_path: nonEmptyString,
}, { required: ["var", "source"] });

const POST_ACTION_REQUIRED: Record<string, { required: string[]; mapping?: string[] }> = {
  store_put: { required: ["store", "key", "from_var"] },
  spawn_task: { required: ["goal"] },
  spawn_tasks: { required: ["from_var", "json_path", "mapping"], mapping: ["goal"] },
  generate_items: { required: ["from_var", "json_path", "mapping"], mapping: ["item_id"] },
};

const postAction: SchemaObject = {
  ...object({
    type: oneOf("create_ticket", "scan_tickets", "store_put", "spawn_task", "spawn_tasks", "generate_items"),
    store: resourceName,
    key: nonEmptyString,
    from_var: nonEmptyString,
    goal: nonEmptyString,
    workflow: resourceName,
    json_path: nonEmptyString,
    mapping: object({ item_id: string, label: string, vars: stringMap, goal: string, workflow: string, name: string }),
    replace: boolean,
    inherit: object({ workspace: boolean, project: boolean, target_files: boolean }),
    max_tasks: positiveInt,
    queue: boolean,
  }, { required: ["type"] }),
  allOf: Object.entries(POST_ACTION_REQUIRED).map(([type, req]) => ({
    if: { properties: { type: { const: type } }, required: ["type"] },
    then: req.mapping ? { required: req.required, properties: { mapping: { required: req.mapping } } } : { required: req.required },
  })),
};

const behavior = object({
  on_failure: statusAction(["continue", "set_status", "early_return"]),
  on_success: statusAction(["continue", "set_status"]),
  captures: listOf(capture),
  post_actions: listOf(postAction),
  execution: loose,
  collect_artifacts: boolean,
}, { misplaced: { capture: "captures", on_fail: "on_failure" } });

const step = object({
  id: nonEmptyString,
  type: nonEmptyString,
  scope: oneOf("task", "item"),
  enabled: boolean,
  repeatable: boolean,
  required_capability: nonEmptyString,
  template: resourceName,
  builtin: oneOf(...BUILTIN_STEP_NAMES),
  command: nonEmptyString,
  chain_steps: listOf({ $ref: "#/$defs/step" }),
  is_guard: boolean,
  tty: boolean,
  max_parallel: positiveInt,
  timeout_secs: positiveInt,
  cost_preference: oneOf("performance", "quality", "balance"),
  prehook,
  behavior,
  store_inputs: listOf(object({ store: resourceName, key: nonEmptyString, as_var: nonEmptyString, required: boolean }, { required: ["store", "key", "as_var"] })),
  store_outputs: listOf(object({ store: resourceName, key: nonEmptyString, from_var: nonEmptyString }, { required: ["store", "key", "from_var"] })),
  execution_profile: resourceName,
  item_select_config: loose,
  stagger_delay_ms: nonNegativeInt,
  stall_timeout_secs: positiveInt,
  step_vars: stringMap,
}, { required: ["id"], misplaced: STEP_MISPLACED });

const convergence = object({ engine: oneOf("cel"), when: celExpression, reason: string }, { required: ["when"] });

const schema: SchemaObject = {
  ...object({
    steps: { type: "array", minItems: 1, items: { $ref: "#/$defs/step" } },
    loop: object({
      mode: oneOf("once", "fixed", "infinite"),
      max_cycles: positiveInt,
      enabled: boolean,
      stop_when_no_unresolved: boolean,
      convergence_expr: listOf(convergence),
      agent_template: string,
      guard: loose,
    }),
    finalize: object({
      rules: listOf(object({ id: nonEmptyString, engine: oneOf("cel"), when: celExpression, status: nonEmptyString, reason: string }, { required: ["id", "when", "status"] })),
    }),
    safety: object({
      max_consecutive_failures: positiveInt,
      auto_rollback: boolean,
      checkpoint_strategy: oneOf("none", "git_tag", "git_stash"),
      step_timeout_secs: positiveInt,
      binary_snapshot: boolean,
      profile: oneOf(...SAFETY_PROFILES),
      invariants: { type: "array" },
      max_spawned_tasks: nonNegativeInt,
      max_spawn_depth: nonNegativeInt,
      spawn_cooldown_seconds: nonNegativeInt,
      max_item_step_failures: positiveInt,
      min_cycle_interval_secs: nonNegativeInt,
      stall_timeout_secs: positiveInt,
      inflight_wait_timeout_secs: nonNegativeInt,
      inflight_heartbeat_grace_secs: nonNegativeInt,
    }),
    max_parallel: positiveInt,
    allow_no_items: boolean,
    stagger_delay_ms: nonNegativeInt,
    item_isolation: loose,
    adaptive: loose,
    dynamic_steps: { type: "array" },
  }, { required: ["steps"] }),
  $defs: { step },
};

type Path = ReadonlyArray<string | number>;

function check(spec: Record<string, unknown>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  checkSteps(spec["steps"], ["steps"], issues);
  const steps = asList(spec["steps"]);
  if (steps.length > 0 && steps.every((s) => isObject(s) && s["enabled"] === false)) {
    issues.push({
      path: ["steps"],
      message: "every step has enabled: false, so the workflow has nothing to run",
      hint: "set enabled: true (or remove enabled) on at least one step in spec.steps",
    });
  }
  const loop = spec["loop"];
  if (isObject(loop)) {
    if (loop["mode"] === "fixed" && loop["max_cycles"] === undefined) {
      issues.push({ path: ["loop", "mode"], message: "loop mode 'fixed' needs loop.max_cycles", hint: "set loop.max_cycles to the number of cycles to run" });
    }
    asList(loop["convergence_expr"]).forEach((c, i) => {
      if (isObject(c)) issues.push(...celIssues([[["loop", "convergence_expr", i, "when"], c["when"]]]));
    });
  }
  const finalize = spec["finalize"];
  if (isObject(finalize)) {
    asList(finalize["rules"]).forEach((r, i) => {
      if (isObject(r)) issues.push(...celIssues([[["finalize", "rules", i, "when"], r["when"]]]));
    });
  }
  for (const p of probeShapeIssues(spec)) issues.push({ path: p.path, message: `${p.rule}: ${p.message}`, hint: p.hint });
  return issues;
}

function checkSteps(steps: unknown, base: Path, issues: SpecIssue[]): void {
  const seen = new Map<string, number>();
  asList(steps).forEach((s, i) => {
    if (!isObject(s)) return;
    const path = [...base, i];
    const id = s["id"];
    if (typeof id === "string") {
      const bad = stepIdProblem(id);
      if (bad) issues.push({ path: [...path, "id"], message: `step id '${id}' ${bad}`, hint: "step ids are names (letters, digits, '-', '_' and '.'): they name log and ticket files, so a '/' or '..' could reach outside their folders" });
      const first = seen.get(id);
      if (first !== undefined) issues.push({ path: [...path, "id"], message: `duplicate step id '${id}' (also at ${formatPath(["spec", ...base, first])})`, hint: "give each step a unique id" });
      else seen.set(id, i);
    }
    checkStep(s, path, issues);
    if (s["chain_steps"] !== undefined) checkSteps(s["chain_steps"], [...path, "chain_steps"], issues);
  });
}

/** Why a step id is not a name, or undefined when it is one. */
export function stepIdProblem(id: string): string | undefined {
  if (id.includes("..")) return "contains '..'";
  return nameProblem(id);
}

function checkStep(s: Record<string, unknown>, path: Path, issues: SpecIssue[]): void {
  const id = typeof s["id"] === "string" ? s["id"] : "";
  issues.push(...commandTemplateIssues(s["command"], [...path, "command"]));
  const type = typeof s["type"] === "string" ? s["type"] : undefined;
  if (s["builtin"] !== undefined && s["required_capability"] !== undefined) {
    issues.push({ path: [...path, "builtin"], message: `step '${id}' sets both builtin and required_capability`, hint: "a step runs either a builtin handler or an agent; remove one of them" });
  }
  const hasChain = asList(s["chain_steps"]).length > 0;
  const runsItself = hasChain || s["command"] !== undefined || s["builtin"] !== undefined || s["required_capability"] !== undefined;
  if (id && !runsItself && !inferBuiltin({ id, type }) && !inferRequiredCapability({ id, type })) {
    issues.push({
      path: [...path, "id"],
      message: `step '${id}' does not say how it runs`,
      hint: "set required_capability (an agent capability), command, builtin or chain_steps; only well-known step ids such as qa, fix or plan are inferred",
    });
  }
  // Agent and command steps start a process the profile fences in (a chain's children inherit it); a builtin runs inside the engine.
  if (s["execution_profile"] !== undefined && s["builtin"] !== undefined && s["command"] === undefined) {
    issues.push({ path: [...path, "execution_profile"], message: `step '${id}': a builtin runs inside the engine, so execution_profile would fence nothing`, hint: "remove execution_profile, or give the step a command" });
  }
  const behavior = s["behavior"];
  if (isObject(behavior)) {
    asList(behavior["captures"]).forEach((c, i) => {
      if (!isObject(c) || c["json_path"] === undefined || c["source"] === "stdout" || c["source"] === "stderr" || typeof c["source"] !== "string") return;
      issues.push({
        path: [...path, "behavior", "captures", i, "json_path"],
        message: `capture '${String(c["var"] ?? "")}' of step '${id}': json_path reads JSON from stdout or stderr, and source '${c["source"]}' has none`,
        hint: c["source"] === "exit_code" ? "remove json_path (the exit code is captured as is), or set source: stdout" : "remove json_path, or set source: stdout or stderr",
      });
    });
  }
  const prehook = s["prehook"];
  if (isObject(prehook)) {
    if (prehook["when"] === undefined && prehook["expression"] === undefined) {
      issues.push({ path: [...path, "prehook"], message: `step '${id}': prehook has no 'when' expression`, hint: "add prehook.when: a CEL expression that is true when the step should run" });
    }
    issues.push(...celIssues([[[...path, "prehook", "when"], prehook["when"]], [[...path, "prehook", "expression"], prehook["expression"]]]));
  }
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export const workflow: KindSpec = { schema, check };
