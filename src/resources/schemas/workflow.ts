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
import { invariantIssues, invariantSchema } from "./invariant.js";
import {
  boolean, celExpression, describe, isObject, listOf, loose, nonEmptyString, nonNegativeInt, object, oneOf, positiveInt,
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

const NOT_SUPPORTED = "not supported yet";
/** Refused at validation: the field would change what runs, and the project does not offer it. */
const NOT_OFFERED = "not offered: validation refuses it";

const prehook = object({
  engine: describe(oneOf("cel"), "The expression language; only cel."),
  when: describe(celExpression, "CEL expression: the step runs only when it is true (it reads cycle, item and pipeline variables)."),
  /** Older manifests write the condition as `expression`. */
  expression: describe(celExpression, "Older spelling of when."),
  reason: describe(string, "Logged when the step is skipped."),
  ui: { description: `UI hints for a user interface (${NOT_SUPPORTED}; ignored with a warning, since nothing that runs depends on them).` },
  extended: describe(boolean, `Decisions beyond run or skip (${NOT_OFFERED} unless false).`),
}, { misplaced: { condition: "when" }, description: "A CEL gate: the step runs only when it is true. Needs when (or expression)." });

const statusAction = (actions: readonly string[], description: string, statusText: string): SchemaObject => ({
  ...object({
    action: describe(oneOf(...actions), "What happens (default continue)."),
    status: describe(nonEmptyString, statusText),
  }, { required: ["action"], description }),
  if: { properties: { action: { enum: ["set_status", "early_return"] } }, required: ["action"] },
  then: { required: ["status"] },
});

const capture = object({
  var: describe(nonEmptyString, "The pipeline variable's name."),
  source: describe(oneOf("stdout", "stderr", "exit_code", "failed_flag", "success_flag"), "What to capture from the step's result."),
  json_path: describe(nonEmptyString, "Read one value from JSON in the output (e.g. $.verdict)."),
}, { required: ["var", "source"], description: "Turns the step's result into a pipeline variable." });

const POST_ACTION_REQUIRED: Record<string, { required: string[]; mapping?: string[] }> = {
  store_put: { required: ["store", "key", "from_var"] },
  spawn_task: { required: ["goal"] },
  spawn_tasks: { required: ["from_var", "json_path", "mapping"], mapping: ["goal"] },
  // json_path defaults to `$` and mapping.item_id to the element (or its `id`), as the guide writes it.
  generate_items: { required: ["from_var"] },
};

const jsonPathIn = (what: string): SchemaObject => describe(string, `JSON path, in each element, of ${what}.`);

const postAction: SchemaObject = {
  ...object({
    type: describe(
      oneOf("create_ticket", "scan_tickets", "store_put", "spawn_task", "spawn_tasks", "generate_items"),
      "create_ticket writes a failure ticket into the workspace's ticket_dir when the step failed; scan_tickets counts the item's open tickets; store_put writes a variable to a WorkflowStore; spawn_task and spawn_tasks queue child tasks (within safety.max_spawned_tasks and max_spawn_depth); generate_items adds (or with replace, replaces) the task's items from a JSON list.",
    ),
    store: describe(resourceName, "WorkflowStore written by store_put."),
    key: describe(nonEmptyString, "Key written by store_put; {name} placeholders take pipeline variables."),
    from_var: describe(nonEmptyString, "Pipeline variable read (store_put, spawn_tasks, generate_items)."),
    goal: describe(nonEmptyString, "Goal of the task spawn_task creates."),
    workflow: describe(resourceName, "Workflow of spawned tasks (default: the parent's)."),
    json_path: describe(nonEmptyString, "JSON path of the list in from_var (spawn_tasks; generate_items, default $)."),
    mapping: object({
      item_id: jsonPathIn("the new item's id (generate_items; default the element itself, or its id field)"),
      label: jsonPathIn("the new item's label"),
      vars: describe(stringMap, "Per-item variables: name -> JSON path in each element; later prehooks may read these names."),
      goal: jsonPathIn("a spawned task's goal (spawn_tasks, required)"),
      workflow: jsonPathIn("a spawned task's workflow"),
      name: jsonPathIn("a spawned task's name"),
    }, { description: "Where each element of the list holds the values of the new item or task." }),
    replace: describe(boolean, "Generated items replace the existing items instead of being added."),
    inherit: object({
      workspace: describe(boolean, "Spawned tasks take the parent's workspace."),
      project: describe(boolean, "Spawned tasks take the parent's project."),
      target_files: describe(boolean, "Spawned tasks take the parent's target files."),
    }, { description: "What spawned tasks take from the parent." }),
    max_tasks: describe(positiveInt, "At most this many spawned tasks."),
    queue: describe(boolean, "Queue spawned tasks to run in the background."),
  }, { required: ["type"], description: "An action run after the step finishes; the fields it needs depend on type." }),
  allOf: Object.entries(POST_ACTION_REQUIRED).map(([type, req]) => ({
    if: { properties: { type: { const: type } }, required: ["type"] },
    then: req.mapping ? { required: req.required, properties: { mapping: { required: req.mapping } } } : { required: req.required },
  })),
};

const behavior = object({
  on_failure: statusAction(
    ["continue", "set_status", "early_return"],
    "When the step fails: continue goes on; set_status sets the item's (or task's) status to `status` and goes on; early_return sets it and skips the remaining steps.",
    "The status set; required with set_status and early_return.",
  ),
  on_success: statusAction(["continue", "set_status"], "When the step succeeds: continue, or set_status to `status`.", "The status set; required with set_status."),
  captures: describe(listOf(capture), "Pipeline variables taken from the step's result (well-known steps add their own, see docs/resources.md)."),
  post_actions: describe(listOf(postAction), "Actions after the step finishes (well-known steps add their own)."),
  execution: describe(loose, `How the step runs (${NOT_OFFERED}: it comes from command, builtin, required_capability or chain_steps).`),
  collect_artifacts: describe(boolean, "Whether the artifacts the step prints count in the finalize facts (default true for qa, qa_testing, retest); an artifacts_collected event records each collection."),
}, { misplaced: { capture: "captures", on_fail: "on_failure" }, description: "Failure and success handling, captures and post-actions." });

const step = object({
  id: describe(nonEmptyString, "Unique among its siblings (the top-level steps, or one step's chain_steps). Well-known ids (qa, fix, plan, loop_guard, ...) also say how the step runs."),
  type: describe(nonEmptyString, "The step's kind for inference (scope, builtin, capability, conventions); consulted before id (default: the id)."),
  scope: describe(oneOf("task", "item"), "task: once per cycle; item: once per task item (default inferred: item for qa, qa_testing, ticket_scan, ticket_fix, fix, retest)."),
  enabled: describe(boolean, "false leaves the step out of the plan (default true)."),
  repeatable: describe(boolean, "false runs the step in cycle 1 only (default true)."),
  required_capability: describe(nonEmptyString, "The capability an agent needs to run this step (default inferred from type or id)."),
  template: describe(resourceName, "StepTemplate that renders the prompt; without one, the task goal is the prompt."),
  builtin: describe(oneOf(...BUILTIN_STEP_NAMES), "Run an engine builtin instead of an agent."),
  command: describe(nonEmptyString, "Run this shell command (/bin/sh -c) instead of an agent; wins over required_capability."),
  chain_steps: { ...listOf({ $ref: "#/$defs/step" }), description: "Child steps run in order; the step runs nothing itself. Children take every step field and may chain again." },
  is_guard: describe(boolean, "The step decides whether the loop goes on; guard steps run after the segments (default true for builtin: loop_guard)."),
  tty: describe(boolean, "Give the agent a pseudo-terminal (interactive agents); default false."),
  max_parallel: describe(positiveInt, "Items run at once when this step starts an item segment (default: the workflow's max_parallel)."),
  timeout_secs: describe(positiveInt, "The step is stopped after this many seconds (default safety.step_timeout_secs, 1800)."),
  log_max_bytes: describe(nonNegativeInt, "Most bytes the run's log keeps: its first and last halves, with a note of what was dropped between them; 0 keeps everything (default safety.step_log_max_bytes, else 104857600, 100 MiB)."),
  cost_preference: describe(
    oneOf("performance", "quality", "balance"),
    "Overrides every agent's strategy for this step: performance -> PerformanceFirst, quality -> SuccessRateWeighted, balance -> CapabilityAware.",
  ),
  prehook,
  behavior,
  store_inputs: describe(listOf(object({
    store: describe(resourceName, "The WorkflowStore to read."),
    key: describe(nonEmptyString, "The key to read."),
    as_var: describe(nonEmptyString, "The pipeline variable it is read into."),
    required: describe(boolean, "Fail the step, without running it, when the key is missing (default false: the variable is left unset)."),
  }, { required: ["store", "key", "as_var"] })), "Values read from WorkflowStores into pipeline variables before the step; a required key that is missing stops the step before it runs."),
  store_outputs: describe(listOf(object({
    store: describe(resourceName, "The WorkflowStore to write."),
    key: describe(nonEmptyString, "The key to write."),
    from_var: describe(nonEmptyString, "The pipeline variable written."),
  }, { required: ["store", "key", "from_var"] })), "Pipeline variables (or top-level JSON fields of the step's output) written to WorkflowStores after the step."),
  execution_profile: describe(resourceName, "ExecutionProfile the process of an agent or command step runs in (a chain's children inherit it); an error on a builtin without a command."),
  item_select_config: describe(loose, "Selection strategy for the item_select builtin."),
  stagger_delay_ms: describe(nonNegativeInt, "This step's stagger between items started side by side, over the workflow's stagger_delay_ms."),
  stall_timeout_secs: describe(positiveInt, "A process step (agent or command) that writes nothing to stdout or stderr for this many seconds is stopped and its run times out as stalled (default safety.stall_timeout_secs; none: only timeout_secs applies)."),
  step_vars: describe(stringMap, "Variables for this step only: prompts read them, and its prehook may read their names."),
}, {
  required: ["id"],
  misplaced: STEP_MISPLACED,
  description: "One step: an agent (by capability), a shell command, a builtin, or a chain of child steps. How it runs is resolved in the order chain_steps, command, builtin, required_capability, else inferred from type or id.",
});

const convergence = object({
  engine: describe(oneOf("cel"), "Only cel."),
  when: describe(celExpression, "CEL expression; the loop stops when it holds."),
  reason: describe(string, "Recorded when the loop stops for this reason."),
}, { required: ["when"] });

const schema: SchemaObject = {
  ...object({
    steps: { type: "array", minItems: 1, items: { $ref: "#/$defs/step" }, description: "The steps, in order; at least one." },
    loop: object({
      mode: describe(oneOf("once", "fixed", "infinite"), "once: one cycle; fixed: max_cycles cycles; infinite: until a guard stops the loop (default once)."),
      max_cycles: describe(positiveInt, "The cycle limit: required for fixed; 1 for once; unbounded for infinite."),
      enabled: describe(boolean, "false turns the loop guard off (default true)."),
      stop_when_no_unresolved: describe(boolean, "Stop once no item is unresolved (default true)."),
      convergence_expr: describe(listOf(convergence), "Stop when one of these CEL expressions holds."),
      agent_template: describe(string, `Loop agent template (${NOT_OFFERED}).`),
      /** Nested spelling of enabled, stop_when_no_unresolved and max_cycles; it wins over the flat one. */
      guard: object({
        enabled: describe(boolean, "As loop.enabled."),
        stop_when_no_unresolved: describe(boolean, "As loop.stop_when_no_unresolved."),
        max_cycles: describe(positiveInt, "As loop.max_cycles."),
      }, { description: "Nested spelling of enabled, stop_when_no_unresolved and max_cycles; it wins over the flat one." }),
    }, { description: "How many cycles run (default mode: once)." }),
    finalize: object({
      rules: describe(listOf(object({
        id: describe(nonEmptyString, "The rule's name."),
        engine: describe(oneOf("cel"), "Only cel."),
        when: describe(celExpression, "CEL expression; the first rule that holds sets the item's status."),
        status: describe(nonEmptyString, "The status it sets."),
        reason: describe(string, "Recorded with the status."),
      }, { required: ["id", "when", "status"] })), "Rules that decide each item's status at the end of a cycle; a workflow's own rules replace the 12 default rules entirely."),
    }, { description: "How each item's status is decided at the end of a cycle." }),
    safety: object({
      max_consecutive_failures: describe(positiveInt, "Failures in a row before rollback, with auto_rollback (default 3)."),
      auto_rollback: describe(boolean, "Roll back to the last checkpoint after max_consecutive_failures (default false)."),
      checkpoint_strategy: describe(oneOf("none", "git_tag", "git_stash"), "A git checkpoint per cycle (default none)."),
      step_timeout_secs: describe(positiveInt, "Timeout of a step that sets no timeout_secs (default 1800)."),
      step_log_max_bytes: describe(nonNegativeInt, "Log cap of a step that sets no log_max_bytes (default 104857600, 100 MiB); 0 keeps everything."),
      binary_snapshot: describe(boolean, "Copy the built output at cycle start, for self-bootstrap (default false)."),
      profile: describe(
        oneOf(...SAFETY_PROFILES),
        "standard, or self_referential_probe: a single-pass probe of a workspace holding the orchestrator's own source (needs checkpoint_strategy: git_tag, loop.mode: once, task-scoped command steps and the builtin self_test only; checked at validation). Default standard.",
      ),
      invariants: describe(listOf(invariantSchema), "Checks pinned when the task starts and run before each cycle, after the steps they name, before self_restart and before the task completes; protected_files are checked after every step. A violation halts, warns or rolls back."),
      max_spawned_tasks: describe(nonNegativeInt, "Most tasks one task may spawn (spawn_task, spawn_tasks); a burst past it fails the step and spawns nothing (default 10)."),
      max_spawn_depth: describe(nonNegativeInt, "Most levels of spawned tasks below the first task (default 3)."),
      spawn_cooldown_seconds: describe(nonNegativeInt, "Least seconds between two spawning bursts of one task (default 0)."),
      max_item_step_failures: describe(positiveInt, "Per-item circuit breaker: an item whose steps have failed this many times is blocked: it runs no more steps and fails the task at its end unless task resume --reset-blocked sets it back."),
      min_cycle_interval_secs: describe(nonNegativeInt, "Rapid-cycle guard: a cycle ending sooner than this is rapid; the next waits 1 s, 2 s, 4 s (doubling), and after 4 rapid cycles in a row the task pauses itself as a runaway loop."),
      stall_timeout_secs: describe(positiveInt, "Stall detection for every process step: one that writes nothing to stdout or stderr for this many seconds is stopped and its run times out as stalled; a step's own stall_timeout_secs wins (default: none)."),
      inflight_wait_timeout_secs: describe(nonNegativeInt, "When a controller recovers a task whose step a stopped controller left running, it waits up to this long for the step's process group to end before ending it and running the step again."),
      inflight_heartbeat_grace_secs: describe(nonNegativeInt, "During that wait, a step that used no CPU time and wrote no log for this long is ended at once."),
    }, { description: "Limits: failures, rollback, checkpoints, timeouts." }),
    max_parallel: describe(positiveInt, "Items an item-scoped segment runs at once, unless its first step sets max_parallel (default 1)."),
    allow_no_items: describe(boolean, "Let a workflow with item-scoped steps complete when its workspace yields no items; without it such a task fails with reason NoItems (default false)."),
    stagger_delay_ms: describe(nonNegativeInt, "In an item segment running items side by side, each item starts a step this long after the previous one did (default 0)."),
    item_isolation: object({
      strategy: describe(oneOf("none", "git_worktree"), "git_worktree: each item's steps run in a git worktree of their own, on a branch of its own; item_select applies the winner's branch to the workspace (default none)."),
      branch_prefix: describe(nonEmptyString, "Prefix of the item branches, <branch_prefix>/<task>/<item> (default orchestrator-item)."),
      cleanup: describe(oneOf("after_workflow", "never"), "Whether the worktrees and branches are removed when the task ends (default after_workflow)."),
    }, { description: "A git worktree per item, so items running side by side do not share a working tree." }),
    adaptive: object({
      enabled: describe(boolean, "Turn adaptive planning on (default false)."),
      planner_agent: describe(resourceName, "The Agent (with capability adaptive_plan) that plans each cycle's steps."),
      fallback_mode: describe(oneOf("soft_fallback", "fail_closed"), "What happens when the plan cannot be used: soft_fallback runs the workflow's own steps, fail_closed fails the task (default soft_fallback)."),
    }, { description: "A planner agent chooses each cycle's steps from the workflow's own." }),
    dynamic_steps: { type: "array", description: `A pool of steps added at run time (${NOT_OFFERED} unless []).` },
  }, { required: ["steps"], description: "Ordered steps, a loop policy, finalize rules and safety limits; a Task runs it in a Workspace." }),
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
  const safety = spec["safety"];
  if (isObject(safety)) issues.push(...invariantIssues(safety, stepIdsOf(spec["steps"])));
  const adaptive = spec["adaptive"];
  if (isObject(adaptive) && adaptive["enabled"] === true && adaptive["planner_agent"] === undefined) {
    issues.push({ path: ["adaptive", "planner_agent"], message: "adaptive planning is enabled but names no planner_agent", hint: "set adaptive.planner_agent to an Agent with the capability adaptive_plan" });
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

/** Every step id, chain children included. */
function stepIdsOf(steps: unknown): Set<string> {
  const ids = new Set<string>();
  for (const s of asList(steps)) {
    if (!isObject(s)) continue;
    if (typeof s["id"] === "string") ids.add(s["id"]);
    for (const id of stepIdsOf(s["chain_steps"])) ids.add(id);
  }
  return ids;
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export const workflow: KindSpec = { schema, check };
