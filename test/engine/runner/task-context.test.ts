/**
 * resolveWorkflowSpec: a workflow stored before validation refused a field
 * it sets fails the task that would run it, naming the field; it is never
 * run with the field ignored.
 */
import { afterEach, describe, expect, it } from "vitest";
import { resolveWorkflowSpec, TaskSetupError } from "../../../src/engine/runner/task-context.js";
import { newStore, removeTempDirs, write } from "../../store/helpers.js";

afterEach(() => removeTempDirs());

const task = { project: "default", workflow: "wf", spec: { steps: [], vars: {}, targetFiles: [] } };

describe("resolveWorkflowSpec", () => {
  it("refuses a stored workflow that sets a field the project does not offer", () => {
    const { store } = newStore();
    // Written straight to the store, as one applied before the field was refused.
    store.commit([{ op: "create", resource: write("Workflow", "wf", { steps: [{ id: "s", command: "true" }], dynamic_steps: [{ id: "later", command: "true" }] }) }], "test");
    expect(() => resolveWorkflowSpec(store, task)).toThrow(TaskSetupError);
    expect(() => resolveWorkflowSpec(store, task)).toThrow(
      "workflow 'wf': spec.dynamic_steps: field 'dynamic_steps' is not offered: steps added at run time are not implemented, so these steps would never run; move the steps into spec.steps (a prehook.when runs one only when it is needed), or remove dynamic_steps (an empty list is accepted), then apply the workflow again",
    );
  });

  it("resolves one that sets only what is offered", () => {
    const { store } = newStore();
    store.commit([{ op: "create", resource: write("Workflow", "wf", { steps: [{ id: "s", command: "true", stall_timeout_secs: 5 }], dynamic_steps: [] }) }], "test");
    expect(resolveWorkflowSpec(store, task).name).toBe("wf");
  });
});
