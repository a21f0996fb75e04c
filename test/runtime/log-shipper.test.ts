/**
 * A task's logs are copied into a shared store once at its end: by the
 * runner's hook before its outcome, or after the runner when the hook never
 * ran (a task that failed before it could write an outcome).
 */
import { describe, expect, it } from "vitest";
import { taskLogCopy, type LogShipper } from "../../src/runtime/log-shipper.js";

function counting(): { shipper: LogShipper; done: string[] } {
  const done: string[] = [];
  return { shipper: { taskDone: (id) => done.push(id), stop: () => undefined }, done };
}

describe("taskLogCopy", () => {
  it("copies once when the runner's hook ran before the outcome: finishing copies nothing more", () => {
    const { shipper, done } = counting();
    const copy = taskLogCopy(shipper);
    copy.hook.beforeOutcome!("t-1");
    copy.finish("t-1");
    expect(done).toEqual(["t-1"]);
  });

  it("copies at the end when the hook never ran", () => {
    const { shipper, done } = counting();
    taskLogCopy(shipper).finish("t-2");
    expect(done).toEqual(["t-2"]);
  });

  it("gives no hook and copies nothing without a shipper (a store only this host reads)", () => {
    const copy = taskLogCopy(undefined);
    expect(copy.hook).toEqual({});
    expect(() => copy.finish("t-3")).not.toThrow();
  });
});
