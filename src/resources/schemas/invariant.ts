/**
 * @module The schema of one `safety.invariants` entry, in both spellings
 * found upstream: the guide's (`id`, `check: {command, expect}`,
 * `on_violation: abort`, `checkpoint_filter.steps`) and the engine's
 * (`name`, `command`, `expect_exit`, `check_at`, `on_violation: halt`), and
 * the checks a schema cannot say (a name, something to check, a checkpoint
 * to roll back to).
 */
import { celIssues } from "./cel-fields.js";
import { boolean, celExpression, describe, isObject, listOf, nonEmptyString, object, oneOf, string, stringList, type SchemaObject, type SpecIssue } from "./common.js";

export const INVARIANT_CHECK_POINTS = ["before_cycle", "after_implement", "before_restart", "before_complete"] as const;

export const invariantSchema: SchemaObject = object({
  id: describe(nonEmptyString, "The invariant's name (the guide's spelling of name)."),
  name: describe(nonEmptyString, "The invariant's name; unique in the workflow."),
  description: describe(string, "What the invariant protects."),
  command: describe(nonEmptyString, "Command checked (sh -c, in the workspace root); its exit code must be expect_exit."),
  expect_exit: { type: "integer", description: "The exit code the command must exit with (default 0)." },
  expect: describe(string, "The command's trimmed stdout must equal this."),
  check: object({
    command: describe(nonEmptyString, "Command checked (sh -c, in the workspace root)."),
    expect: describe(string, "Its trimmed stdout must equal this."),
    expect_exit: { type: "integer", description: "The exit code it must exit with (default 0)." },
  }, { required: ["command"], description: "The guide's spelling of command, expect and expect_exit." }),
  assert_expr: describe(celExpression, "CEL over exit_code, stdout and stderr of the command; it must be true."),
  capture_as: describe(nonEmptyString, "The command's trimmed stdout becomes this task variable."),
  immutable: describe(boolean, "Kept as pinned when the task started even if the workflow changes (every invariant is pinned; accepted for upstream's manifests)."),
  check_at: describe(listOf(oneOf(...INVARIANT_CHECK_POINTS)), "When it is checked: before_cycle, after_implement, before_restart, before_complete (default after_implement and before_complete)."),
  on_violation: describe(oneOf("halt", "abort", "warn", "rollback"), "halt (or abort) stops the task, warn records it and goes on, rollback restores the cycle's checkpoint (default halt)."),
  protected_files: describe(stringList, "Globs of files no step may create, change or delete; checked after every step against their content when the task started."),
  checkpoint_filter: object({
    steps: describe(stringList, "Step ids the invariant is checked after, instead of the implement steps."),
  }, { description: "Which steps the after_implement check follows." }),
}, { description: "A check the workflow's steps must never break." });

type Path = ReadonlyArray<string | number>;

/** Problems of `safety.invariants` (paths below `spec`). */
export function invariantIssues(safety: Record<string, unknown>, stepIds: ReadonlySet<string>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const list = Array.isArray(safety["invariants"]) ? safety["invariants"] : [];
  const seen = new Set<string>();
  list.forEach((raw, i) => {
    if (!isObject(raw)) return;
    const at: Path = ["safety", "invariants", i];
    const name = typeof raw["name"] === "string" ? raw["name"] : typeof raw["id"] === "string" ? raw["id"] : undefined;
    if (name === undefined) issues.push({ path: at, message: "an invariant needs a name (or id)", hint: "add name: a short identifier that events and failures report" });
    else if (seen.has(name)) issues.push({ path: [...at, "name"], message: `invariant '${name}' is declared twice`, hint: "give each invariant its own name" });
    else seen.add(name);
    if (raw["id"] !== undefined && raw["name"] !== undefined && raw["id"] !== raw["name"]) issues.push({ path: [...at, "id"], message: "id and name disagree", hint: "give one of them" });
    const check = isObject(raw["check"]) ? raw["check"] : undefined;
    if (check && raw["command"] !== undefined) issues.push({ path: [...at, "check"], message: "an invariant gives its command twice (command and check.command)", hint: "keep one" });
    const command = raw["command"] ?? check?.["command"];
    const files = Array.isArray(raw["protected_files"]) ? raw["protected_files"] : [];
    if (command === undefined && files.length === 0) {
      issues.push({ path: at, message: `invariant '${name ?? i}' checks nothing`, hint: "give it a command (with expect_exit, expect or assert_expr) or protected_files" });
    }
    if (command === undefined && (raw["expect_exit"] !== undefined || raw["expect"] !== undefined || raw["assert_expr"] !== undefined || raw["capture_as"] !== undefined)) {
      issues.push({ path: at, message: `invariant '${name ?? i}' says what its command must give but has no command`, hint: "add command" });
    }
    if (raw["on_violation"] === "rollback" && (safety["checkpoint_strategy"] === undefined || safety["checkpoint_strategy"] === "none")) {
      issues.push({
        path: [...at, "on_violation"],
        message: `invariant '${name ?? i}' rolls back on violation, but safety.checkpoint_strategy is none: there is no checkpoint to return to`,
        hint: "set safety.checkpoint_strategy: git_tag (or git_stash), or on_violation: halt",
      });
    }
    issues.push(...celIssues([[[...at, "assert_expr"], raw["assert_expr"]]]));
    const filter = isObject(raw["checkpoint_filter"]) && Array.isArray(raw["checkpoint_filter"]["steps"]) ? raw["checkpoint_filter"]["steps"] : [];
    filter.forEach((s, j) => {
      if (typeof s === "string" && !stepIds.has(s)) {
        issues.push({ path: [...at, "checkpoint_filter", "steps", j], message: `checkpoint_filter names step '${s}', which is not a step of this workflow`, hint: `use one of: ${[...stepIds].join(", ")}` });
      }
    });
  });
  return issues;
}
