import { describe, expect, it } from "vitest";
import { checkedAfterStep, invariantOf, invariantsOf } from "../../../src/engine/invariants/invariant-spec.js";

describe("invariant spec", () => {
  it("reads the guide's spelling (id, check.command, check.expect, abort) with upstream's defaults", () => {
    expect(invariantOf({ id: "main", check: { command: "git branch --list main | wc -l", expect: "1" }, on_violation: "abort", checkpoint_filter: { steps: ["implement", "self_test"] } }, 0)).toEqual({
      name: "main",
      command: "git branch --list main | wc -l",
      expectOutput: "1",
      expectExit: 0,
      checkAt: ["after_implement", "before_complete"],
      afterSteps: ["implement", "self_test"],
      onViolation: "halt",
      protectedFiles: [],
      immutable: false,
    });
  });

  it("reads the corpus spelling (name, command, expect_exit, check_at, capture_as, assert_expr, immutable)", () => {
    expect(
      invariantOf({ name: "gate", description: "d", command: "make test", expect_exit: 2, check_at: ["before_complete"], on_violation: "warn", capture_as: "report", assert_expr: "exit_code == 2", immutable: true, protected_files: ["Cargo.lock"] }, 3),
    ).toEqual({ name: "gate", description: "d", command: "make test", expectExit: 2, checkAt: ["before_complete"], onViolation: "warn", captureAs: "report", assertExpr: "exit_code == 2", immutable: true, protectedFiles: ["Cargo.lock"] });
  });

  it("names an unnamed invariant by its place, and reads rollback", () => {
    expect(invariantOf({ command: "true", on_violation: "rollback" }, 1)).toMatchObject({ name: "invariant-2", onViolation: "rollback" });
  });

  it("lists a workflow's invariants, skipping entries that are not objects", () => {
    expect(invariantsOf(undefined)).toEqual([]);
    expect(invariantsOf({ invariants: "no" })).toEqual([]);
    expect(invariantsOf({ invariants: [{ name: "a", command: "true" }, "junk", { command: "false" }] }).map((i) => i.name)).toEqual(["a", "invariant-3"]);
  });

  it("checks after implement steps by default, after the filter's steps instead when given, and not at all without after_implement or a filter", () => {
    const byDefault = invariantOf({ command: "true" }, 0);
    expect(checkedAfterStep(byDefault, { id: "implement", type: "command" })).toBe(true);
    expect(checkedAfterStep(byDefault, { id: "code", type: "implement" })).toBe(true);
    expect(checkedAfterStep(byDefault, { id: "qa", type: "qa" })).toBe(false);
    const filtered = invariantOf({ command: "true", checkpoint_filter: { steps: ["qa"] } }, 0);
    expect(checkedAfterStep(filtered, { id: "qa", type: "qa" })).toBe(true);
    expect(checkedAfterStep(filtered, { id: "implement", type: "implement" })).toBe(false);
    const atEnd = invariantOf({ command: "true", check_at: ["before_complete"] }, 0);
    expect(checkedAfterStep(atEnd, { id: "implement", type: "implement" })).toBe(false);
  });
});
