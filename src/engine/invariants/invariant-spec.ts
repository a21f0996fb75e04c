/**
 * @module `safety.invariants` as the engine checks them, read from either
 * spelling (see src/resources/schemas/invariant.ts). Defaults as upstream:
 * checked after `implement` and before the task completes, a command must
 * exit 0, a violation halts the task. `abort` is the guide's name for
 * `halt`. `checkpoint_filter.steps` names the steps after which the
 * invariant is checked (instead of `implement`).
 */
import type { JsonObject, JsonValue } from "../../resources/types.js";

export type CheckPoint = "before_cycle" | "after_implement" | "before_restart" | "before_complete";
export type OnViolation = "halt" | "warn" | "rollback";

export interface Invariant {
  name: string;
  description?: string;
  command?: string;
  expectExit: number;
  /** The command's stdout, trimmed, must equal this. */
  expectOutput?: string;
  /** CEL over `exit_code`, `stdout` and `stderr` that must hold. */
  assertExpr?: string;
  /** A task variable the command's stdout (trimmed) is kept in. */
  captureAs?: string;
  checkAt: CheckPoint[];
  /** Steps after which `after_implement` checks run (default: steps whose id or type is `implement`). */
  afterSteps?: string[];
  onViolation: OnViolation;
  /** Globs of workspace files no step may change. */
  protectedFiles: string[];
  immutable: boolean;
}

const DEFAULT_CHECK_AT: readonly CheckPoint[] = ["after_implement", "before_complete"];

const str = (v: JsonValue | undefined): string | undefined => (typeof v === "string" ? v : undefined);
const obj = (v: JsonValue | undefined): JsonObject | undefined => (v && typeof v === "object" && !Array.isArray(v) ? v : undefined);
const strs = (v: JsonValue | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export function invariantOf(raw: JsonObject, index: number): Invariant {
  const check = obj(raw["check"]) ?? {};
  const onViolation = str(raw["on_violation"]);
  const inv: Invariant = {
    name: str(raw["name"]) ?? str(raw["id"]) ?? `invariant-${index + 1}`,
    expectExit: typeof raw["expect_exit"] === "number" ? raw["expect_exit"] : typeof check["expect_exit"] === "number" ? check["expect_exit"] : 0,
    checkAt: (strs(raw["check_at"]).length ? strs(raw["check_at"]) : [...DEFAULT_CHECK_AT]) as CheckPoint[],
    onViolation: onViolation === "warn" ? "warn" : onViolation === "rollback" ? "rollback" : "halt",
    protectedFiles: strs(raw["protected_files"]),
    immutable: raw["immutable"] === true,
  };
  const description = str(raw["description"]);
  if (description !== undefined) inv.description = description;
  const command = str(raw["command"]) ?? str(check["command"]);
  if (command !== undefined) inv.command = command;
  const expect = str(raw["expect"]) ?? str(check["expect"]);
  if (expect !== undefined) inv.expectOutput = expect;
  const assertExpr = str(raw["assert_expr"]);
  if (assertExpr !== undefined) inv.assertExpr = assertExpr;
  const captureAs = str(raw["capture_as"]);
  if (captureAs !== undefined) inv.captureAs = captureAs;
  const filter = strs(obj(raw["checkpoint_filter"])?.["steps"]);
  if (filter.length) inv.afterSteps = filter;
  return inv;
}

export function invariantsOf(safety: JsonObject | undefined): Invariant[] {
  const list = safety?.["invariants"];
  return Array.isArray(list) ? list.flatMap((raw, i) => (obj(raw) ? [invariantOf(obj(raw)!, i)] : [])) : [];
}

/** Whether the invariant is checked when step `step` (of type `type`) has finished. */
export function checkedAfterStep(inv: Invariant, step: { id: string; type: string }): boolean {
  if (!inv.checkAt.includes("after_implement") && inv.afterSteps === undefined) return false;
  if (inv.afterSteps !== undefined) return inv.afterSteps.includes(step.id);
  return step.id === "implement" || step.type === "implement";
}
