/**
 * Defaults: the effective spec the engine reads. The stored spec stays as
 * written; applyDefaults returns a new resource.
 */
import { describe, expect, it } from "vitest";
import { compileCel } from "../../src/cel/compile.js";
import { applyDefaults, DEFAULT_FINALIZE_RULES, inferRequiredCapability, inferStepScope, normalizeStrategy } from "../../src/resources/defaults.js";
import type { JsonObject, Resource } from "../../src/resources/types.js";

const res = (kind: string, spec: JsonObject): Resource => ({ apiVersion: "orchestrator.dev/v2", kind, metadata: { name: "x" }, spec });
const steps = (r: Resource) => r.spec["steps"] as JsonObject[];

describe("step inference", () => {
  it("scopes qa, qa_testing, ticket_scan, ticket_fix, fix and retest per item, the rest per task", () => {
    for (const id of ["qa", "qa_testing", "ticket_scan", "ticket_fix", "fix", "retest"]) expect(inferStepScope(id), id).toBe("item");
    for (const id of ["plan", "implement", "self_test", "loop_guard", "review", "custom"]) expect(inferStepScope(id), id).toBe("task");
  });

  it("infers the capability of known agent steps, type before id", () => {
    expect(inferRequiredCapability({ id: "plan" })).toBe("plan");
    expect(inferRequiredCapability({ id: "step_a", type: "qa" })).toBe("qa");
    expect(inferRequiredCapability({ id: "evaluate" })).toBe("evaluate");
    expect(inferRequiredCapability({ id: "self_test" })).toBeUndefined();
    expect(inferRequiredCapability({ id: "my_step" })).toBeUndefined();
  });
});

describe("applyDefaults: Workflow", () => {
  const wf = res("Workflow", {
    steps: [
      { id: "plan" },
      { id: "step_b", type: "fix" },
      { id: "loop_guard" },
      { id: "checks", command: "npm test" },
      { id: "custom", required_capability: "review", scope: "item", enabled: false },
      { id: "chain", chain_steps: [{ id: "lint", command: "npm run lint" }] },
    ],
  });
  const out = applyDefaults(wf);

  it("fills type, scope, enabled, repeatable and how each step runs", () => {
    const [plan, fix, guard, checks, custom, chain] = steps(out);
    expect(plan).toMatchObject({ type: "plan", scope: "task", enabled: true, repeatable: true, is_guard: false, tty: false, required_capability: "plan" });
    expect(fix).toMatchObject({ type: "fix", scope: "item", required_capability: "fix" });
    expect(guard).toMatchObject({ builtin: "loop_guard", is_guard: true, scope: "task" });
    expect(guard!["required_capability"]).toBeUndefined();
    expect(checks!["required_capability"]).toBeUndefined();
    expect(checks!["builtin"]).toBeUndefined();
    expect(custom).toMatchObject({ required_capability: "review", scope: "item", enabled: false });
    expect(chain!["required_capability"]).toBeUndefined();
    expect((chain!["chain_steps"] as JsonObject[])[0]).toMatchObject({ type: "lint", scope: "task", enabled: true });
  });

  it("adds the conventional captures and post-actions of well-known steps", () => {
    const [plan, fix] = steps(out);
    expect(fix!["behavior"]).toMatchObject({ on_failure: { action: "continue" }, captures: [{ var: "fix_success", source: "success_flag" }] });
    expect((plan!["behavior"] as JsonObject)["captures"]).toEqual([]);
    const qa = steps(applyDefaults(res("Workflow", { steps: [{ id: "qa", behavior: { captures: [{ var: "qa_failed", source: "exit_code" }] } }] })))[0]!;
    // A manifest's own capture of the same variable wins over the convention.
    expect((qa["behavior"] as JsonObject)["captures"]).toEqual([{ var: "qa_failed", source: "exit_code" }]);
    expect((qa["behavior"] as JsonObject)["post_actions"]).toEqual([{ type: "create_ticket" }]);
  });

  it("fills loop, safety, max_parallel and the default finalize rules", () => {
    expect(out.spec["loop"]).toEqual({ mode: "once", enabled: true, stop_when_no_unresolved: true, max_cycles: 1 });
    expect(out.spec["safety"]).toMatchObject({ max_consecutive_failures: 3, step_timeout_secs: 1800, checkpoint_strategy: "none" });
    expect(out.spec["max_parallel"]).toBe(1);
    expect((out.spec["finalize"] as JsonObject)["rules"]).toHaveLength(12);
    const own = applyDefaults(res("Workflow", { steps: [{ id: "qa" }], finalize: { rules: [{ id: "r", when: "true", status: "done" }] } }));
    expect((own.spec["finalize"] as JsonObject)["rules"]).toEqual([{ id: "r", when: "true", status: "done" }]);
  });

  it("keeps written values and leaves the input untouched", () => {
    const input = res("Workflow", { steps: [{ id: "qa", scope: "task" }], loop: { mode: "fixed", max_cycles: 3 } });
    const before = structuredClone(input);
    const outFixed = applyDefaults(input);
    expect(input).toEqual(before);
    expect(steps(outFixed)[0]!["scope"]).toBe("task");
    expect(outFixed.spec["loop"]).toMatchObject({ mode: "fixed", max_cycles: 3 });
    expect(outFixed).not.toBe(input);
  });
});

describe("DEFAULT_FINALIZE_RULES", () => {
  it("all parse as CEL", () => {
    for (const r of DEFAULT_FINALIZE_RULES) expect(compileCel(String(r["when"])), String(r["id"])).toEqual({ ok: true });
  });
});

describe("applyDefaults: other kinds", () => {
  it("ExecutionProfile: host, inherit, inherit", () => {
    expect(applyDefaults(res("ExecutionProfile", {})).spec).toEqual({ mode: "host", fs_mode: "inherit", network_mode: "inherit", writable_paths: [], network_allowlist: [] });
    expect(applyDefaults(res("ExecutionProfile", { mode: "sandbox" })).spec["mode"]).toBe("sandbox");
  });

  it("Agent: prompt delivery and a normalized selection strategy", () => {
    expect(applyDefaults(res("Agent", { command: "x" })).spec).toEqual({ command: "x", capabilities: [], env: [], promptDelivery: "arg", selection: { strategy: "capability_aware" } });
    expect(applyDefaults(res("Agent", { command: "x", selection: { strategy: "CapabilityAware" } })).spec["selection"]).toEqual({ strategy: "capability_aware" });
    expect(normalizeStrategy("SuccessRateWeighted")).toBe("success_rate_weighted");
  });

  it("Trigger: one spelling of the concurrency policy, history limits and start", () => {
    const t = applyDefaults(res("Trigger", { cron: { schedule: "0 2 * * *" }, action: { workflow: "w", workspace: "s" }, concurrency_policy: "Replace", historyLimit: 4 })).spec;
    expect(t).toEqual({
      cron: { schedule: "0 2 * * *", timezone: "UTC" },
      action: { workflow: "w", workspace: "s", start: true },
      concurrencyPolicy: "Replace",
      suspend: false,
      historyLimit: { successful: 4, failed: 4 },
    });
    expect(applyDefaults(res("Trigger", { event: { source: "filesystem", filesystem: { paths: ["docs"] } }, action: {} })).spec).toMatchObject({
      concurrencyPolicy: "Allow",
      event: { filesystem: { paths: ["docs"], debounce_ms: 500, events: ["create", "modify", "delete"] } },
    });
  });

  it("Workspace, WorkflowStore, CRD, Task and Run", () => {
    expect(applyDefaults(res("Workspace", { root_path: "." })).spec).toEqual({ root_path: ".", qa_targets: [], self_referential: false });
    expect(applyDefaults(res("WorkflowStore", {})).spec).toEqual({ backend: "local", retention: {} });
    expect(applyDefaults(res("CustomResourceDefinition", { kind: "K", versions: [{ name: "v1" }] })).spec).toEqual({
      kind: "K",
      short_names: [],
      scope: "Namespaced",
      versions: [{ name: "v1", served: true, schema: { type: "object" }, cel_rules: [] }],
    });
    expect(applyDefaults(res("Task", { workflow: "w" })).spec).toEqual({ workflow: "w", vars: {}, target_files: [] });
    expect(applyDefaults(res("Run", { template: "t", agent_capability: "c" })).spec).toMatchObject({ vars: {}, target_files: [] });
  });

  it("leaves custom kinds alone", () => {
    const r = res("Widget", { size: 1 });
    expect(applyDefaults(r)).toEqual(r);
  });
});
