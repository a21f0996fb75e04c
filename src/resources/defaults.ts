/**
 * @module Defaults: the effective spec the engine reads, computed from the
 * spec as written (which is what the store keeps and `diff` compares). Step
 * inference follows upstream's conventions for well-known step ids: scope,
 * builtin handler, required capability, and the captures and post-actions a
 * `qa`/`fix`/`retest` step carries unless the manifest says otherwise.
 */
import type { JsonObject, JsonValue, Resource } from "./types.js";

/** Steps handled by the engine itself. */
export const BUILTIN_STEP_NAMES: readonly string[] = ["init_once", "loop_guard", "ticket_scan", "self_test", "self_restart", "item_select"];

/** Step ids (or types) that dispatch to an agent with the capability of the same name. */
export const AGENT_STEP_IDS: readonly string[] = [
  "qa", "fix", "retest", "plan", "build", "test", "lint", "implement", "review", "git_ops",
  "qa_doc_gen", "qa_testing", "ticket_fix", "doc_governance", "align_tests", "smoke_chain", "evaluate",
];

/** Steps that fan out once per task item; every other step runs once per cycle. */
const ITEM_SCOPED_STEPS: ReadonlySet<string> = new Set(["qa", "qa_testing", "ticket_scan", "ticket_fix", "fix", "retest"]);

/** What a well-known step does by default, as upstream's SDLC conventions say. */
interface StepConvention {
  captures?: JsonObject[];
  postActions?: string[];
  collectArtifacts?: boolean;
}
const CONVENTIONS: Readonly<Record<string, StepConvention>> = {
  qa: { captures: [{ var: "qa_failed", source: "failed_flag" }], postActions: ["create_ticket"], collectArtifacts: true },
  qa_testing: { captures: [{ var: "qa_failed", source: "failed_flag" }], postActions: ["create_ticket"], collectArtifacts: true },
  fix: { captures: [{ var: "fix_success", source: "success_flag" }] },
  ticket_fix: { captures: [{ var: "fix_success", source: "success_flag" }] },
  retest: { captures: [{ var: "retest_success", source: "success_flag" }], collectArtifacts: true },
};

/**
 * Item status rules applied when a workflow defines none (first match wins),
 * as upstream documents them. Null checks keep them safe for steps that did not run.
 */
export const DEFAULT_FINALIZE_RULES: readonly JsonObject[] = [
  rule("skip_without_tickets", "qa_skipped && active_ticket_count == 0 && is_last_cycle", "skipped"),
  rule("qa_passed_without_tickets", "qa_ran && qa_exit_code != null && qa_exit_code == 0 && active_ticket_count == 0", "qa_passed"),
  rule("fix_disabled_with_tickets", "!fix_enabled && active_ticket_count > 0", "unresolved"),
  rule("fix_failed", "fix_ran && !fix_success", "unresolved"),
  rule("fixed_without_retest", "fix_success && !retest_enabled", "fixed"),
  rule("fix_skipped_and_retest_disabled", "fix_enabled && !fix_ran && !retest_enabled && active_ticket_count > 0", "unresolved"),
  rule("fixed_retest_skipped_after_fix_success", "retest_enabled && !retest_ran && fix_success", "fixed"),
  rule("unresolved_retest_skipped_without_fix", "retest_enabled && !retest_ran && !fix_success && active_ticket_count > 0", "unresolved"),
  rule("verified_after_retest", "retest_ran && retest_success && retest_new_ticket_count == 0", "verified"),
  rule("unresolved_after_retest", "retest_ran && (!retest_success || retest_new_ticket_count > 0)", "unresolved"),
  rule("fallback_unresolved_with_tickets", "active_ticket_count > 0", "unresolved"),
  rule("fallback_qa_passed", "active_ticket_count == 0", "qa_passed"),
];

function rule(id: string, when: string, status: string): JsonObject {
  return { id, engine: "cel", when, status, reason: `default rule ${id}` };
}

export function inferStepScope(stepId: string): "task" | "item" {
  return ITEM_SCOPED_STEPS.has(stepId) ? "item" : "task";
}

/** The capability an agent step needs when the manifest does not say; `type` wins over `id`. */
export function inferRequiredCapability(step: { id: string; type?: string }): string | undefined {
  for (const key of [step.type, step.id]) {
    if (key && AGENT_STEP_IDS.includes(key)) return key;
  }
  return undefined;
}

/** The builtin handler a well-known step id (or type) implies. */
export function inferBuiltin(step: { id: string; type?: string }): string | undefined {
  for (const key of [step.type, step.id]) {
    if (key && BUILTIN_STEP_NAMES.includes(key)) return key;
  }
  return undefined;
}

/** Returns a new resource whose spec has every default filled in; the input is not changed. */
export function applyDefaults(resource: Resource): Resource {
  const out = structuredClone(resource) as Resource;
  const spec = isObj(out.spec) ? out.spec : {};
  out.spec = spec;
  const fill = KIND_DEFAULTS[out.kind];
  if (fill) fill(spec);
  return out;
}

const KIND_DEFAULTS: Readonly<Record<string, (spec: JsonObject) => void>> = {
  Workflow: workflowDefaults,
  Agent: (s) => {
    s["capabilities"] ??= [];
    s["env"] ??= [];
    s["promptDelivery"] ??= "arg";
    const selection = obj(s, "selection");
    selection["strategy"] = normalizeStrategy(selection["strategy"]);
  },
  Workspace: (s) => {
    s["qa_targets"] ??= [];
    s["self_referential"] ??= false;
  },
  ExecutionProfile: (s) => {
    s["mode"] ??= "host";
    s["fs_mode"] ??= "inherit";
    s["network_mode"] ??= "inherit";
    s["writable_paths"] ??= [];
    s["network_allowlist"] ??= [];
  },
  EnvStore: (s) => {
    s["data"] ??= {};
  },
  SecretStore: (s) => {
    s["data"] ??= {};
  },
  Trigger: triggerDefaults,
  WorkflowStore: (s) => {
    s["backend"] ??= (typeof s["provider"] === "string" ? s["provider"] : "local");
    s["retention"] ??= {};
  },
  CustomResourceDefinition: (s) => {
    s["short_names"] ??= [];
    s["scope"] ??= "Namespaced";
    for (const v of arr(s["versions"])) {
      if (!isObj(v)) continue;
      v["served"] ??= true;
      v["schema"] ??= { type: "object" };
      v["cel_rules"] ??= [];
    }
  },
  Task: (s) => {
    s["vars"] ??= {};
    s["target_files"] ??= [];
  },
  Run: (s) => {
    s["vars"] ??= {};
    s["target_files"] ??= [];
  },
};

function workflowDefaults(s: JsonObject): void {
  s["steps"] = arr(s["steps"]).map((step) => (isObj(step) ? stepDefaults(step) : step));
  const loop = obj(s, "loop");
  loop["mode"] ??= "once";
  loop["enabled"] ??= true;
  loop["stop_when_no_unresolved"] ??= true;
  if (loop["mode"] === "once") loop["max_cycles"] ??= 1;
  const safety = obj(s, "safety");
  safety["max_consecutive_failures"] ??= 3;
  safety["step_timeout_secs"] ??= 1800;
  safety["auto_rollback"] ??= false;
  safety["checkpoint_strategy"] ??= "none";
  safety["binary_snapshot"] ??= false;
  s["max_parallel"] ??= 1;
  const finalize = obj(s, "finalize");
  if (arr(finalize["rules"]).length === 0) finalize["rules"] = DEFAULT_FINALIZE_RULES.map((r) => ({ ...r }));
}

/** How a step runs once inferred: the builtin or capability it resolves to, if any. */
export function stepRunner(step: JsonObject): { builtin?: string; capability?: string } {
  const id = typeof step["id"] === "string" ? step["id"] : "";
  const type = typeof step["type"] === "string" ? step["type"] : undefined;
  const builtin = str(step["builtin"]);
  const capability = str(step["required_capability"]);
  if (builtin || capability) return { ...(builtin ? { builtin } : {}), ...(capability ? { capability } : {}) };
  // Only a step that names no way to run gets one inferred (upstream's resolution order).
  if (arr(step["chain_steps"]).length > 0 || step["command"] !== undefined) return {};
  const inferredBuiltin = inferBuiltin({ id, type });
  if (inferredBuiltin) return { builtin: inferredBuiltin };
  const inferred = inferRequiredCapability({ id, type });
  return inferred ? { capability: inferred } : {};
}

/** The name conventions are looked up by: builtin, else capability, else type, else id. */
function conventionKey(step: JsonObject): string {
  const r = stepRunner(step);
  return r.builtin ?? r.capability ?? str(step["type"]) ?? str(step["id"]) ?? "";
}

/** Variables a step captures by convention when its manifest does not (qa -> qa_failed). */
export function conventionCaptureVars(step: JsonObject): string[] {
  return (CONVENTIONS[conventionKey(step)]?.captures ?? []).map((c) => String(c["var"]));
}

function stepDefaults(step: JsonObject): JsonObject {
  const id = typeof step["id"] === "string" ? step["id"] : "";
  const type = typeof step["type"] === "string" ? step["type"] : undefined;
  const runner = stepRunner(step);
  const key = conventionKey(step);
  step["type"] = type ?? id;
  if (runner.builtin) step["builtin"] ??= runner.builtin;
  if (runner.capability && step["builtin"] === undefined) step["required_capability"] ??= runner.capability;
  step["scope"] ??= inferStepScope(key);
  step["enabled"] ??= true;
  step["repeatable"] ??= true;
  step["is_guard"] ??= step["builtin"] === "loop_guard";
  step["tty"] ??= false;
  behaviorDefaults(obj(step, "behavior"), CONVENTIONS[key]);
  const chain = arr(step["chain_steps"]);
  if (chain.length > 0) step["chain_steps"] = chain.map((c) => (isObj(c) ? stepDefaults(c) : c));
  return step;
}

function behaviorDefaults(b: JsonObject, conv: StepConvention | undefined): void {
  b["on_failure"] ??= { action: "continue" };
  b["on_success"] ??= { action: "continue" };
  const captures = arr(b["captures"]);
  for (const c of conv?.captures ?? []) {
    if (!captures.some((x) => isObj(x) && x["var"] === c["var"])) captures.push({ ...c });
  }
  b["captures"] = captures;
  const actions = arr(b["post_actions"]);
  for (const type of conv?.postActions ?? []) {
    if (!actions.some((a) => isObj(a) && a["type"] === type)) actions.push({ type });
  }
  b["post_actions"] = actions;
  b["collect_artifacts"] ??= conv?.collectArtifacts ?? false;
}

function triggerDefaults(s: JsonObject): void {
  // `concurrency_policy` is an accepted spelling; the effective spec has one name.
  s["concurrencyPolicy"] ??= s["concurrency_policy"] ?? "Allow";
  delete s["concurrency_policy"];
  s["suspend"] ??= false;
  const history = s["historyLimit"];
  if (typeof history === "number") s["historyLimit"] = { successful: history, failed: history };
  else {
    const h = obj(s, "historyLimit");
    h["successful"] ??= 5;
    h["failed"] ??= 5;
  }
  if (isObj(s["action"])) s["action"]["start"] ??= true;
  if (isObj(s["cron"])) s["cron"]["timezone"] ??= "UTC";
  const event = s["event"];
  if (isObj(event) && isObj(event["filesystem"])) {
    event["filesystem"]["debounce_ms"] ??= 500;
    event["filesystem"]["events"] ??= ["create", "modify", "delete"];
  }
}

/** Upstream spells strategies in snake_case; its guide shows PascalCase. Both are accepted. */
export function normalizeStrategy(v: JsonValue | undefined): string {
  if (typeof v !== "string" || v === "") return "capability_aware";
  return v.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

function isObj(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The object at key, created when missing or not an object. */
function obj(parent: JsonObject, key: string): JsonObject {
  const v = parent[key];
  if (isObj(v)) return v;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

function arr(v: JsonValue | undefined): JsonValue[] {
  return Array.isArray(v) ? v : [];
}

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}
