import { describe, expect, it } from "vitest";
import { finishedConditions, progressingConditions, setCondition } from "../../src/reconcile/conditions.js";

describe("conditions", () => {
  it("moves lastTransitionTime only when the status changes", () => {
    let cs = setCondition([], { type: "Ready", status: "True", reason: "A", message: "m1" }, "t1");
    cs = setCondition(cs, { type: "Ready", status: "True", reason: "B", message: "m2" }, "t2");
    expect(cs).toEqual([{ type: "Ready", status: "True", reason: "B", message: "m2", lastTransitionTime: "t1" }]);
    cs = setCondition(cs, { type: "Ready", status: "False", reason: "C", message: "m3" }, "t3");
    expect(cs[0]!.lastTransitionTime).toBe("t3");
  });

  it("marks Reconciling while a pass runs, then Ready (and Stalled only for what a new revision must fix)", () => {
    let cs = progressingConditions([], "fetching", "t1");
    expect(cs.map((c) => `${c.type}=${c.status}`)).toEqual(["Ready=Unknown", "Reconciling=True"]);
    cs = finishedConditions(cs, { ready: false, reason: "ValidationFailed", message: "bad" }, "t2");
    expect(cs.map((c) => `${c.type}=${c.status}:${c.reason}`)).toEqual(["Ready=False:ValidationFailed", "Stalled=True:ValidationFailed"]);
    cs = finishedConditions(cs, { ready: false, reason: "FetchFailed", message: "down" }, "t3");
    expect(cs.map((c) => c.type)).toEqual(["Ready"]);
    cs = finishedConditions(progressingConditions(cs, "applying", "t4"), { ready: true, reason: "ReconciliationSucceeded", message: "ok" }, "t5");
    expect(cs).toEqual([{ type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: "ok", lastTransitionTime: "t5" }]);
  });
});
