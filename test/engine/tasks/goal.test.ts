import { describe, expect, it } from "vitest";
import { GoalConflictError, goalFromVars } from "../../../src/engine/tasks/submit.js";

describe("goalFromVars", () => {
  it("takes vars.goal as the goal and leaves it out of the variables", () => {
    expect(goalFromVars(undefined, { goal: "fix it", ticket_paths: "T-1.md" })).toEqual({ goal: "fix it", vars: { ticket_paths: "T-1.md" } });
    expect(goalFromVars("", { goal: "fix it" })).toEqual({ goal: "fix it", vars: {} });
  });

  it("keeps the goal when the variables have none, and accepts the same goal twice", () => {
    expect(goalFromVars("g", { a: "1" })).toEqual({ goal: "g", vars: { a: "1" } });
    expect(goalFromVars(undefined, {})).toEqual({ goal: "", vars: {} });
    expect(goalFromVars("same", { goal: "same" })).toEqual({ goal: "same", vars: {} });
  });

  it("refuses two different goals, naming both as the caller spells them", () => {
    expect(() => goalFromVars("a", { goal: "b" })).toThrow(GoalConflictError);
    expect(() => goalFromVars("a", { goal: "b" }, { goal: "spec.goal", set: "spec.vars.goal" })).toThrow('spec.goal "a" and spec.vars.goal="b" disagree');
  });
});
