/**
 * Per-kind schemas: a valid document of every kind passes clean, and each
 * kind rejects wrong types, missing required fields and bad values with an
 * error at the field's path.
 */
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { formatDiagnostic, type Diagnostic } from "../../src/resources/diagnostics.js";
import { KIND_SPECS, specValidator } from "../../src/resources/schemas/index.js";
import { BUILTIN_KIND_NAMES } from "../../src/resources/kinds.js";
import { validateDocuments } from "../../src/resources/validate.js";
import { docsFromFile, docsFromYaml } from "./helpers.js";

const ALL_KINDS = new URL("../fixtures/validation/all-kinds.yaml", import.meta.url).pathname;

function manifest(kind: string, spec: unknown, name = "x"): string {
  return stringify({ apiVersion: "orchestrator.dev/v2", kind, metadata: { name }, spec });
}

function validate(kind: string, spec: unknown): Diagnostic[] {
  return validateDocuments(docsFromYaml(manifest(kind, spec)));
}

function errorAt(ds: Diagnostic[], path: string): Diagnostic {
  const d = ds.find((x) => x.severity === "error" && x.path === path);
  expect(d, `no error at ${path}; got:\n${ds.map(formatDiagnostic).join("\n")}`).toBeDefined();
  return d!;
}

describe("schema registry", () => {
  it("has a schema for every built-in kind, and each compiles", () => {
    for (const kind of BUILTIN_KIND_NAMES) {
      expect(KIND_SPECS[kind], kind).toBeDefined();
      expect(specValidator(kind), kind).toBeTypeOf("function");
    }
  });

  it("compiles each schema once", () => {
    expect(specValidator("Workflow")).toBe(specValidator("Workflow"));
  });
});

describe("valid documents", () => {
  it("a set with one document of every kind validates with no diagnostic", () => {
    const docs = docsFromFile(ALL_KINDS, "all-kinds.yaml");
    const kinds = new Set(docs.map((d) => d.resource.kind));
    for (const k of BUILTIN_KIND_NAMES) expect(kinds.has(k), k).toBe(true);
    expect(validateDocuments(docs).map(formatDiagnostic)).toEqual([]);
  });
});

describe("Project", () => {
  it("rejects a non-string description", () => {
    expect(errorAt(validate("Project", { description: 5 }), "spec.description").message).toBe("must be string, not number 5");
  });
});

describe("Workspace", () => {
  it("requires root_path", () => {
    expect(errorAt(validate("Workspace", { qa_targets: ["docs/qa"] }), "spec.root_path").message).toBe("required field is missing");
  });
  it("wants qa_targets as a list", () => {
    expect(errorAt(validate("Workspace", { root_path: ".", qa_targets: "docs/qa" }), "spec.qa_targets").message).toMatch(/must be array/);
  });
});

describe("Agent", () => {
  it("requires command", () => {
    errorAt(validate("Agent", { capabilities: ["qa"] }), "spec.command");
  });
  it("bounds metadata.cost and knows promptDelivery values", () => {
    const ds = validate("Agent", { command: "echo", metadata: { cost: 300 }, promptDelivery: "pipe" });
    expect(errorAt(ds, "spec.metadata.cost").message).toMatch(/<= 255/);
    expect(errorAt(ds, "spec.promptDelivery").message).toBe("must be one of: arg, stdin, file, env (got string \"pipe\")");
  });
  it("wants exactly one form per env entry", () => {
    const ds = validate("Agent", { command: "echo", env: [{ name: "A", value: "1", fromRef: "store" }, { value: "2" }] });
    expect(errorAt(ds, "spec.env[0]").message).toMatch(/exactly one of/);
    expect(errorAt(ds, "spec.env[1]").message).toMatch(/needs a name/);
  });
  it("accepts both spellings of selection strategies", () => {
    expect(validate("Agent", { command: "echo", selection: { strategy: "CapabilityAware" } })).toEqual([]);
    expect(validate("Agent", { command: "echo", selection: { strategy: "capability_aware" } })).toEqual([]);
  });
});

describe("StepTemplate", () => {
  it("requires prompt", () => {
    errorAt(validate("StepTemplate", { description: "d" }), "spec.prompt");
  });
});

describe("Workflow", () => {
  const wf = (steps: unknown[], extra: Record<string, unknown> = {}) => validate("Workflow", { steps, ...extra });

  it("reports a wrong type at the step field, with file:line:col", () => {
    const yaml = manifest("Workflow", { steps: [{ id: "plan" }, { id: "qa" }, { id: "fix", timeout_secs: "10" }] }, "qa_loop");
    const ds = validateDocuments(docsFromYaml(yaml, "qa.yaml"));
    const d = errorAt(ds, "spec.steps[2].timeout_secs");
    const line = yaml.split("\n").findIndex((l) => l.includes("timeout_secs")) + 1;
    expect(formatDiagnostic(d)).toBe(`error: workflow/qa_loop: spec.steps[2].timeout_secs: must be integer, not string "10" (qa.yaml:${line}:21)`);
  });

  it("knows step scopes, loop modes and cost preferences", () => {
    const ds = wf([{ id: "qa", scope: "global", cost_preference: "cheap" }], { loop: { mode: "forever" } });
    errorAt(ds, "spec.steps[0].scope");
    errorAt(ds, "spec.steps[0].cost_preference");
    errorAt(ds, "spec.loop.mode");
  });

  it("requires at least one step", () => {
    errorAt(validate("Workflow", { loop: { mode: "once" } }), "spec.steps");
    errorAt(wf([]), "spec.steps");
  });

  it("rejects duplicate step ids and builtin together with required_capability", () => {
    const ds = wf([{ id: "qa" }, { id: "qa" }, { id: "x", builtin: "self_test", required_capability: "x" }]);
    expect(errorAt(ds, "spec.steps[1].id").message).toBe("duplicate step id 'qa' (also at spec.steps[0])");
    errorAt(ds, "spec.steps[2].builtin");
  });

  it("rejects an unknown builtin and a step that does not say how it runs", () => {
    const ds = wf([{ id: "a", builtin: "make_coffee" }, { id: "my_step" }]);
    errorAt(ds, "spec.steps[0].builtin");
    expect(errorAt(ds, "spec.steps[1].id").message).toBe("step 'my_step' does not say how it runs");
  });

  it("infers how well-known steps and typed steps run", () => {
    expect(wf([{ id: "plan" }, { id: "step_a", type: "qa" }, { id: "self_test" }, { id: "x", command: "true" }])).toEqual([]);
  });

  it("needs max_cycles for a fixed loop", () => {
    errorAt(wf([{ id: "qa" }], { loop: { mode: "fixed" } }), "spec.loop.mode");
  });

  it("requires a status for set_status and the fields of each post-action type", () => {
    const ds = wf([{
      id: "qa",
      behavior: {
        on_failure: { action: "set_status" },
        captures: [{ var: "x", source: "stdin" }],
        post_actions: [{ type: "spawn_tasks", from_var: "c", json_path: "$.items", mapping: {} }, { type: "store_put", store: "s" }, { type: "generate_items" }],
      },
    }]);
    errorAt(ds, "spec.steps[0].behavior.on_failure.status");
    errorAt(ds, "spec.steps[0].behavior.captures[0].source");
    errorAt(ds, "spec.steps[0].behavior.post_actions[0].mapping.goal");
    errorAt(ds, "spec.steps[0].behavior.post_actions[2].from_var");
    errorAt(ds, "spec.steps[0].behavior.post_actions[1].key");
    errorAt(ds, "spec.steps[0].behavior.post_actions[1].from_var");
  });

  it("checks chain steps like top-level steps", () => {
    const ds = wf([{ id: "smoke", chain_steps: [{ id: "a", command: "true", timeout_secs: 0 }, { id: "a", command: "true" }] }]);
    errorAt(ds, "spec.steps[0].chain_steps[0].timeout_secs");
    errorAt(ds, "spec.steps[0].chain_steps[1].id");
  });

  it("allows execution_profile on steps that start a process, not on a builtin run inside the engine", () => {
    expect(wf([{ id: "x", command: "true", execution_profile: "sandbox" }])).toEqual([]);
    expect(wf([{ id: "implement", execution_profile: "sandbox" }])).toEqual([]);
    expect(wf([{ id: "smoke", execution_profile: "sandbox", chain_steps: [{ id: "a", command: "true" }] }])).toEqual([]);
    errorAt(wf([{ id: "g", builtin: "loop_guard", execution_profile: "sandbox" }]), "spec.steps[0].execution_profile");
  });
});

describe("RuntimePolicy", () => {
  it("wants runner as a mapping", () => {
    errorAt(validate("RuntimePolicy", { runner: "bash" }), "spec.runner");
  });
});

describe("ExecutionProfile", () => {
  it("knows the modes", () => {
    errorAt(validate("ExecutionProfile", { mode: "vm" }), "spec.mode");
    errorAt(validate("ExecutionProfile", { network_mode: "open" }), "spec.network_mode");
    errorAt(validate("ExecutionProfile", { fs_mode: "rw" }), "spec.fs_mode");
  });
  it("refuses writable_paths without a scoped fs_mode: the paths would not be the only ones written", () => {
    errorAt(validate("ExecutionProfile", { mode: "sandbox", writable_paths: ["src"] }), "spec.writable_paths");
    errorAt(validate("ExecutionProfile", { mode: "sandbox", fs_mode: "workspace_readonly", writable_paths: ["src"] }), "spec.writable_paths");
  });
  it("refuses boundary fields on a host profile, where nothing would enforce them", () => {
    for (const spec of [{ network_mode: "deny" }, { fs_mode: "workspace_readonly" }, { max_memory_mb: 10 }, { mode: "host", max_processes: 2 }]) {
      const ds = validate("ExecutionProfile", spec);
      expect(ds.find((d) => d.path === "spec.mode")?.severity, JSON.stringify(spec)).toBe("error");
    }
    expect(validate("ExecutionProfile", { mode: "host" })).toEqual([]);
  });
  it("refuses writable paths that leave the workspace", () => {
    const ds = validate("ExecutionProfile", { mode: "sandbox", fs_mode: "workspace_rw_scoped", writable_paths: ["out", "/etc", "../up", "a/../../b"] });
    expect(ds.filter((d) => d.severity === "error").map((d) => d.path)).toEqual(["spec.writable_paths[1]", "spec.writable_paths[2]", "spec.writable_paths[3]"]);
  });
  it("checks allowlist entries as upstream writes them and refuses the rest", () => {
    const ok = ["api.example.com", "api.example.com:443", "10.203.0.1", "10.203.0.1:8080", "[::1]:8443", "[::1]", "localhost"];
    expect(validate("ExecutionProfile", { mode: "sandbox", network_mode: "allowlist", network_allowlist: ok })).toEqual([]);
    const bad = ["https://example.com", "*.example.com", "::1", "host:99999", "host:port", "[::1", ""];
    const ds = validate("ExecutionProfile", { mode: "sandbox", network_mode: "allowlist", network_allowlist: bad });
    expect(ds.filter((d) => d.severity === "error").map((d) => d.path)).toEqual(bad.map((_, i) => `spec.network_allowlist[${i}]`));
  });
  it("refuses an allowlist under another network mode", () => {
    errorAt(validate("ExecutionProfile", { mode: "sandbox", network_mode: "inherit", network_allowlist: ["example.com"] }), "spec.network_allowlist");
  });
  it("refuses an unknown field instead of ignoring it, with a suggestion", () => {
    const ds = validate("ExecutionProfile", { mode: "sandbox", network_mod: "deny" });
    const d = ds.find((x) => x.path === "spec.network_mod");
    expect(d?.severity).toBe("error");
    expect(d?.message).toContain("did you mean 'network_mode'");
  });
  it("takes an env list in the Agent's forms", () => {
    expect(validate("ExecutionProfile", { mode: "sandbox", env: [{ name: "A", value: "1" }, { fromRef: "shared" }] })).toEqual([]);
    errorAt(validate("ExecutionProfile", { mode: "sandbox", env: [{ name: "A", value: "1", fromRef: "x" }] }), "spec.env[0]");
  });
});

describe("EnvStore and SecretStore", () => {
  it("want string values", () => {
    expect(errorAt(validate("EnvStore", { data: { PORT: 8080 } }), "spec.data.PORT").message).toBe("must be string, not number 8080");
  });
  it("require data", () => {
    errorAt(validate("SecretStore", {}), "spec.data");
  });
});

describe("Trigger", () => {
  const action = { workflow: "wf", workspace: "ws" };

  it("needs exactly one of cron and event", () => {
    expect(errorAt(validate("Trigger", { action }), "spec").message).toMatch(/needs cron .* or event/);
    const both = validate("Trigger", { action, cron: { schedule: "0 2 * * *" }, event: { source: "task_completed" } });
    expect(errorAt(both, "spec.event").message).toBe("a trigger has either cron or event, not both");
  });

  it("checks the cron expression and the time zone", () => {
    const ds = validate("Trigger", { action, cron: { schedule: "61 * * * *", timezone: "Mars/Olympus" } });
    expect(ds.find((d) => d.path === "spec.cron.schedule")).toMatchObject({ severity: "error", code: "cron" });
    expect(ds.find((d) => d.path === "spec.cron.timezone")).toMatchObject({ severity: "error", code: "timezone" });
    const fields = validate("Trigger", { action, cron: { schedule: "* * *" } });
    expect(fields.find((d) => d.code === "cron")?.message).toMatch(/5 fields .* or 6/);
  });

  it("accepts 5-field and 6-field (seconds first) schedules", () => {
    expect(validate("Trigger", { action, cron: { schedule: "0 3 * * 1", timezone: "UTC" } })).toEqual([]);
    expect(validate("Trigger", { action, cron: { schedule: "0 0 10 * * 1", timezone: "Asia/Shanghai" } })).toEqual([]);
  });

  it("knows concurrency policies under both spellings", () => {
    errorAt(validate("Trigger", { action, cron: { schedule: "0 2 * * *" }, concurrencyPolicy: "Sometimes" }), "spec.concurrencyPolicy");
    expect(validate("Trigger", { action, cron: { schedule: "0 2 * * *" }, concurrency_policy: "Forbid" })).toEqual([]);
    errorAt(validate("Trigger", { action, cron: { schedule: "0 2 * * *" }, concurrencyPolicy: "Allow", concurrency_policy: "Forbid" }), "spec.concurrency_policy");
  });

  it("requires the action's workflow and workspace", () => {
    errorAt(validate("Trigger", { action: { workspace: "ws" }, cron: { schedule: "0 2 * * *" } }), "spec.action.workflow");
  });
});

describe("WorkflowStore", () => {
  it("bounds retention", () => {
    errorAt(validate("WorkflowStore", { retention: { max_entries: 0 } }), "spec.retention.max_entries");
  });
});

describe("CustomResourceDefinition", () => {
  const crd = (spec: Record<string, unknown>) =>
    validate("CustomResourceDefinition", { kind: "Rubric", plural: "rubrics", group: "eval.example.com", versions: [{ name: "v1", schema: { type: "object" } }], ...spec });

  it("checks the kind's and group's shape and needs a version", () => {
    expect(errorAt(crd({ kind: "rubric" }), "spec.kind").message).toBe("must be a PascalCase kind name such as PromptLibrary (got string \"rubric\")");
    errorAt(crd({ group: "nodots" }), "spec.group");
    errorAt(crd({ versions: [] }), "spec.versions");
  });

  it("refuses to redefine a built-in kind", () => {
    expect(errorAt(crd({ kind: "Workflow" }), "spec.kind")).toMatchObject({ code: "crd" });
  });

  it("rejects a version schema that does not compile and a rule that does not parse", () => {
    const ds = crd({ versions: [{ name: "v1", schema: { type: "objekt" }, cel_rules: [{ rule: "size(self.x) >", message: "m" }] }] });
    expect(errorAt(ds, "spec.versions[0].schema")).toMatchObject({ code: "crd" });
    expect(errorAt(ds, "spec.versions[0].cel_rules[0].rule")).toMatchObject({ code: "cel" });
  });
});

describe("Task", () => {
  it("wants vars as strings and steps as a list", () => {
    const ds = validate("Task", { workflow: "wf", vars: { n: 3 }, steps: "plan" });
    errorAt(ds, "spec.vars.n");
    errorAt(ds, "spec.steps");
  });
});

describe("Run", () => {
  it("needs workflow or template, not both", () => {
    expect(errorAt(validate("Run", { goal: "g" }), "spec").message).toMatch(/needs workflow, or template/);
    errorAt(validate("Run", { workflow: "wf", template: "t", agent_capability: "plan" }), "spec.template");
  });
  it("needs agent_capability with template, and keeps template fields off workflow runs", () => {
    errorAt(validate("Run", { template: "t" }), "spec.template");
    errorAt(validate("Run", { workflow: "wf", agent_capability: "plan" }), "spec.agent_capability");
    errorAt(validate("Run", { template: "t", agent_capability: "plan", steps: ["a"] }), "spec.steps");
  });
  it("accepts a workflow run with steps and vars", () => {
    expect(validate("Run", { workflow: "wf", steps: ["plan"], vars: { a: "b" }, workspace: "ws", target_files: ["a.md"] })).toEqual([]);
  });
});
