/**
 * validateDocuments over whole sets: the envelope, names, kinds and
 * apiVersions, duplicates, unknown and unsupported fields (warnings with a
 * suggestion), fields the project does not offer (errors), CEL and cron errors with positions, CRD-defined kinds, the
 * prehook variable check, and the upstream corpus expectations.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { formatDiagnostic, type Diagnostic } from "../../src/resources/diagnostics.js";
import { checkPrehookVariables } from "../../src/resources/prehook-vars.js";
import { editDistance, suggestField } from "../../src/resources/suggest.js";
import { findRefusedFields, findUnsupportedFields, REFUSED_FIELDS, REFUSED_STEP_FIELDS, UNSUPPORTED_FIELDS, UNSUPPORTED_STEP_FIELDS } from "../../src/resources/support.js";
import type { ParsedDocument, Resource } from "../../src/resources/types.js";
import { validateDocuments } from "../../src/resources/validate.js";
import { docsFromFile, docsFromYaml } from "./helpers.js";

const V2 = "orchestrator.dev/v2";
const show = (ds: readonly Diagnostic[]) => ds.map(formatDiagnostic).join("\n");
const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === "error");
const warnings = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === "warning");
const yamlOf = (...docs: unknown[]) => docs.map((d) => stringify(d)).join("---\n");
const doc = (kind: string, name: string, spec: unknown, extra: Record<string, unknown> = {}) => ({ apiVersion: V2, kind, metadata: { name }, spec, ...extra });
const workflow = (name: string, steps: unknown[], extra: Record<string, unknown> = {}) => doc("Workflow", name, { steps, ...extra });

describe("envelope", () => {
  it("reports a missing apiVersion, kind and metadata.name, each with its own code", () => {
    const ds = validateDocuments(docsFromYaml("spec: {}\nmetadata: {}\n"));
    expect(ds.map((d) => [d.code, d.path])).toEqual([
      ["missing-field", "apiVersion"],
      ["missing-field", "kind"],
      ["missing-field", "metadata.name"],
    ]);
  });

  it("reports a missing spec, except for a Project", () => {
    expect(validateDocuments(docsFromYaml(yamlOf({ apiVersion: V2, kind: "Agent", metadata: { name: "a" } })))).toMatchObject([{ code: "missing-field", path: "spec" }]);
    expect(validateDocuments(docsFromYaml(yamlOf({ apiVersion: V2, kind: "Project", metadata: { name: "p" } })))).toEqual([]);
  });

  it("rejects invalid names and project names", () => {
    for (const bad of ["-lead", "has space", "x/y", "a".repeat(254)]) {
      const ds = validateDocuments(docsFromYaml(yamlOf(doc("StepTemplate", bad, { prompt: "p" }))));
      expect(ds, bad).toMatchObject([{ severity: "error", code: "invalid-name", path: "metadata.name" }]);
    }
    for (const good of ["qa_loop", "v1.2-beta", "9lives", "a".repeat(253)]) {
      expect(validateDocuments(docsFromYaml(yamlOf(doc("StepTemplate", good, { prompt: "p" })))), good).toEqual([]);
    }
    const proj = validateDocuments(docsFromYaml(yamlOf({ apiVersion: V2, kind: "StepTemplate", metadata: { name: "t", project: "my project" }, spec: { prompt: "p" } })));
    expect(proj).toMatchObject([{ code: "invalid-name", path: "metadata.project" }]);
  });

  it("checks metadata's shape and warns about unknown metadata and top-level keys", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf({ apiVersion: V2, kind: "Project", metadata: { name: "p", namespace: "x", labels: { a: 1 } }, spec: {}, specs: {} })));
    expect(ds.find((d) => d.path === "specs")).toMatchObject({ severity: "warning", code: "unknown-field", message: "unknown field 'specs'; did you mean 'spec'?" });
    expect(ds.find((d) => d.path === "metadata.namespace")).toMatchObject({ severity: "warning", message: "unknown field 'namespace'; did you mean 'project'?" });
    expect(ds.find((d) => d.path === "metadata.labels.a")).toMatchObject({ severity: "error", code: "schema" });
  });

  it("ignores status and the metadata the store sets, as kubectl apply does, so get -o yaml applies back without warnings", () => {
    const meta = { generation: 3, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-02T00:00:00Z", appliedBy: "cli" };
    const d = doc("Task", "t", { workflow: "wf" }, { status: { phase: "Succeeded" } }) as { metadata: Record<string, unknown> };
    Object.assign(d.metadata, meta);
    expect(validateDocuments(docsFromYaml(yamlOf(d)))).toEqual([]);
  });

  it("refuses a SecretStore value that is the placeholder get prints in place of a secret", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(doc("SecretStore", "s", { data: { TOKEN: "<redacted>", OTHER: "real" } }))));
    expect(ds).toMatchObject([{ severity: "error", path: "spec.data.TOKEN", message: expect.stringMatching(/placeholder/) }]);
  });
});

describe("kinds and apiVersions", () => {
  it("names the known kinds for an unknown kind and suggests the closest", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(doc("Workflw", "w", {}))));
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ severity: "error", code: "unknown-kind", path: "kind", hint: "did you mean 'Workflow'?" });
    expect(ds[0]!.message).toContain("known kinds: Project, EnvStore");
  });

  it("rejects a built-in kind under another apiVersion", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf({ ...doc("Agent", "a", { command: "x" }), apiVersion: "orchestrator.dev/v1" })));
    expect(ds).toMatchObject([{ code: "api-version", path: "apiVersion", message: "kind Agent needs apiVersion orchestrator.dev/v2, not 'orchestrator.dev/v1'" }]);
  });

  it("reports an unknown apiVersion together with the unknown kind", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf({ apiVersion: "x.example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: {} })));
    expect(ds.map((d) => d.code).sort()).toEqual(["api-version", "unknown-kind"]);
  });
});

describe("CRD-defined kinds", () => {
  const crd = doc("CustomResourceDefinition", "widgets.x.example.com", {
    kind: "Widget",
    plural: "widgets",
    group: "x.example.com",
    versions: [
      { name: "v1", schema: { type: "object", required: ["size"], properties: { size: { type: "integer" }, color: { type: "string" } } }, cel_rules: [{ rule: "self.size <= 10", message: "size is at most 10" }] },
      { name: "v0", served: false },
    ],
  });
  let n = 0;
  const widget = (spec: unknown, apiVersion = "x.example.com/v1") => ({ apiVersion, kind: "Widget", metadata: { name: `w${n++}` }, spec });

  it("validates instances against the CRD in the same set", () => {
    expect(validateDocuments(docsFromYaml(yamlOf(crd, widget({ size: 3, color: "red" }))))).toEqual([]);
    const ds = validateDocuments(docsFromYaml(yamlOf(crd, widget({ size: "big" }), widget({ color: "red" }))));
    expect(errors(ds).map((d) => [d.path, d.message])).toEqual([
      ["spec.size", "must be integer, not string \"big\""],
      ["spec.size", "required field is missing"],
    ]);
  });

  it("evaluates the CRD's CEL rules with self bound to the spec", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(crd, widget({ size: 11 }))));
    expect(ds).toMatchObject([{ severity: "error", code: "crd", path: "spec", message: expect.stringMatching(/^size is at most 10/) }]);
  });

  it("validates instances against a stored CRD", () => {
    const stored = docsFromYaml(yamlOf(crd))[0]!.resource;
    expect(validateDocuments(docsFromYaml(yamlOf(widget({ size: 1 }))), { storedCrds: [stored] })).toEqual([]);
    expect(errors(validateDocuments(docsFromYaml(yamlOf(widget({}))), { storedCrds: [stored] }))).toMatchObject([{ path: "spec.size" }]);
  });

  it("rejects an unserved or undeclared version of a custom kind", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(crd, widget({ size: 1 }, "x.example.com/v0"), widget({ size: 1 }, "x.example.com/v9"))));
    expect(errors(ds).map((d) => d.code)).toEqual(["api-version", "api-version"]);
    expect(errors(ds)[0]!.hint).toBe("set apiVersion: x.example.com/v1");
  });
});

describe("duplicates", () => {
  it("reports both places of a kind/name/project defined twice", () => {
    const text = yamlOf(doc("StepTemplate", "plan", { prompt: "a" }), doc("StepTemplate", "plan", { prompt: "b" }));
    const ds = validateDocuments(docsFromYaml(text, "set.yaml"));
    expect(ds).toHaveLength(2);
    expect(ds.every((d) => d.code === "duplicate" && d.severity === "error" && d.path === "metadata.name")).toBe(true);
    expect(ds[0]!.position!.line).not.toBe(ds[1]!.position!.line);
    expect(ds[0]!.message).toContain(`also at set.yaml:${ds[1]!.position!.line}`);
    expect(ds[1]!.message).toContain(`also at set.yaml:${ds[0]!.position!.line}`);
  });

  it("allows the same name in different projects and for different kinds", () => {
    const text = yamlOf(
      doc("StepTemplate", "plan", { prompt: "a" }),
      { ...doc("StepTemplate", "plan", { prompt: "b" }), metadata: { name: "plan", project: "other" } },
      doc("Agent", "plan", { command: "x" }),
    );
    expect(validateDocuments(docsFromYaml(text))).toEqual([]);
  });

  it("treats a missing project as the default project", () => {
    const text = yamlOf(doc("StepTemplate", "plan", { prompt: "a" }), { ...doc("StepTemplate", "plan", { prompt: "b" }), metadata: { name: "plan", project: "default" } });
    expect(validateDocuments(docsFromYaml(text)).map((d) => d.code)).toEqual(["duplicate", "duplicate"]);
  });
});

describe("unknown fields", () => {
  it("are warnings, with a did-you-mean from the misplacement table", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(workflow("w", [{ id: "qa", capture: [{ var: "x", source: "stdout" }], on_failure: { action: "continue" } }]))));
    expect(errors(ds)).toEqual([]);
    expect(ds.find((d) => d.path === "spec.steps[0].capture")).toMatchObject({
      severity: "warning",
      code: "unknown-field",
      message: "unknown field 'capture'; did you mean 'behavior.captures'?",
      hint: "move it to spec.steps[0].behavior.captures; unknown fields are ignored",
    });
    expect(ds.find((d) => d.path === "spec.steps[0].on_failure")?.message).toContain("'behavior.on_failure'");
  });

  it("suggest a sibling by spelling, and nothing when nothing is close", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(workflow("w", [{ id: "qa", timout_secs: 5, repeatible: true, foobar: ["x"] }]))));
    expect(ds.find((d) => d.path === "spec.steps[0].timout_secs")?.message).toBe("unknown field 'timout_secs'; did you mean 'timeout_secs'?");
    expect(ds.find((d) => d.path === "spec.steps[0].repeatible")?.message).toBe("unknown field 'repeatible'; did you mean 'repeatable'?");
    expect(ds.find((d) => d.path === "spec.steps[0].foobar")?.message).toBe("unknown field 'foobar'");
  });

  it("are found at every depth", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(doc("Trigger", "t", { cron: { schedule: "0 2 * * *", tz: "UTC" }, action: { workflow: "w", workspace: "s", wrkspace: "s" } }))));
    expect(warnings(ds).map((d) => [d.path, d.message])).toEqual([
      ["spec.cron.tz", "unknown field 'tz'; did you mean 'timezone'?"],
      ["spec.action.wrkspace", "unknown field 'wrkspace'; did you mean 'workspace'?"],
    ]);
  });

  it("suggest cron.timezone for a Trigger's top-level tz, as the docs promise", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(doc("Trigger", "t", { tz: "UTC", time_zone: "UTC", cron: { schedule: "0 2 * * *" }, action: { workflow: "w", workspace: "s" } }))));
    expect(warnings(ds).map((d) => [d.path, d.message, d.hint])).toEqual([
      ["spec.tz", "unknown field 'tz'; did you mean 'cron.timezone'?", "move it to spec.cron.timezone; unknown fields are ignored"],
      ["spec.time_zone", "unknown field 'time_zone'; did you mean 'cron.timezone'?", "move it to spec.cron.timezone; unknown fields are ignored"],
    ]);
  });
});

describe("cluster-wide kinds", () => {
  it("warn that metadata.project on a CRD or Project is ignored, and count duplicates across projects", () => {
    const crd = (project: string) => ({
      apiVersion: V2,
      kind: "CustomResourceDefinition",
      metadata: { name: "rubrics.x.io", project },
      spec: { kind: "Rubric", plural: "rubrics", group: "x.io", versions: [{ name: "v1" }] },
    });
    const ds = validateDocuments(docsFromYaml(yamlOf(crd("web"), crd("ops"))));
    expect(warnings(ds).map((d) => [d.path, d.message])).toEqual([
      ["metadata.project", "metadata.project is ignored: CustomResourceDefinition is cluster-wide, one per name across all projects"],
      ["metadata.project", "metadata.project is ignored: CustomResourceDefinition is cluster-wide, one per name across all projects"],
    ]);
    expect(errors(ds).map((d) => d.message)).toEqual([
      expect.stringMatching(/^CustomResourceDefinition 'rubrics\.x\.io' is defined more than once/),
      expect.stringMatching(/^CustomResourceDefinition 'rubrics\.x\.io' is defined more than once/),
    ]);
    expect(errors(ds)[0]!.hint).toMatch(/cluster-wide/);
  });
});

describe("secret values", () => {
  const secret = (spec: unknown) => docsFromYaml(yamlOf(doc("SecretStore", "keys", spec)));
  const text = (ds: readonly Diagnostic[]) => JSON.stringify(ds);

  it("never appear in a diagnostic: the field and the type are named, not the value", () => {
    const ds = validateDocuments(secret({ data: { PIN: 98765432, LIST: ["s3cr3t-in-a-list"], OK: "fine-value-123" } }));
    expect(errors(ds).map((d) => [d.path, d.message])).toEqual([
      ["spec.data.PIN", "must be string or object, not a number"],
      ["spec.data.LIST", "must be string or object, not a list"],
    ]);
    expect(text(ds)).not.toContain("98765432");
    expect(text(ds)).not.toContain("s3cr3t-in-a-list");
    expect(text(ds)).not.toContain("fine-value-123");
  });

  it("are left out for data of the wrong shape and misplaced blocks too", () => {
    const whole = validateDocuments(secret({ data: "the-whole-secret-9876" }));
    expect(whole).toMatchObject([{ path: "spec.data", message: "must be object, not a string" }]);
    const misplaced = validateDocuments(secret({ data: {}, values: { TOKEN: 1234567 } }));
    expect(text([...whole, ...misplaced])).not.toMatch(/the-whole-secret-9876|1234567/);
  });

  it("other kinds still quote the offending value", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(doc("EnvStore", "env", { data: { PORT: 8080 } }))));
    expect(ds).toMatchObject([{ path: "spec.data.PORT", message: "must be string, not number 8080" }]);
  });
});

describe("suggestField", () => {
  it("prefers the misplacement table, then same word, then spelling, then a prefix", () => {
    expect(suggestField("capture", ["id", "captures"], { capture: "behavior.captures" })).toBe("behavior.captures");
    expect(suggestField("concurrency_policy", ["concurrencyPolicy", "suspend"])).toBe("concurrencyPolicy");
    expect(suggestField("enabeld", ["enabled", "repeatable"])).toBe("enabled");
    expect(suggestField("timeout", ["timeout_secs", "tty"])).toBe("timeout_secs");
    expect(suggestField("foobar", ["id", "type", "tty", "builtin", "behavior"])).toBeUndefined();
    expect(suggestField("xy", ["ab"])).toBeUndefined();
  });

  it("counts a transposition as one edit", () => {
    expect(editDistance("ab", "ba")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});

describe("unsupported fields", () => {
  it("are warnings naming the field, never errors, for what changes nothing that runs", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(workflow("w", [{ id: "qa", prehook: { when: "true", ui: { label: "QA" } } }]))));
    expect(errors(ds)).toEqual([]);
    expect(ds.filter((d) => d.code === "unsupported-field").map((d) => [d.path, d.message])).toEqual([
      ["spec.steps[0].prehook.ui", "field 'prehook.ui' is not supported yet and is ignored: prehook UI hints are not used"],
    ]);
  });

  it("are not reported when set to a value the project honours", () => {
    const host = doc("ExecutionProfile", "host", { mode: "host", fs_mode: "inherit", network_mode: "inherit", writable_paths: [] });
    expect(validateDocuments(docsFromYaml(yamlOf(host)))).toEqual([]);
    // Sandboxes are enforced now: a sandbox profile draws no warning either.
    const sandbox = doc("ExecutionProfile", "sb", { mode: "sandbox", network_mode: "deny", fs_mode: "workspace_rw_scoped", writable_paths: ["out"], max_memory_mb: 10 });
    expect(validateDocuments(docsFromYaml(yamlOf(sandbox)))).toEqual([]);
  });

  it("are found in chain steps too", () => {
    const spec = { steps: [{ id: "c", chain_steps: [{ id: "a", command: "true", prehook: { when: "true", ui: {} } }] }] };
    expect(findUnsupportedFields("Workflow", spec)).toEqual([
      { path: ["spec", "steps", 0, "chain_steps", 0, "prehook", "ui"], field: "prehook.ui", reason: expect.any(String), message: expect.stringMatching(/^field 'prehook\.ui' is not supported yet/) },
    ]);
  });

  it("each carries a reason, and each path is a field the schema knows", () => {
    for (const [kind, list] of Object.entries({ ...UNSUPPORTED_FIELDS, ...REFUSED_FIELDS })) {
      for (const f of list) {
        expect(f.reason.length, `${kind}.${f.path}`).toBeGreaterThan(10);
        const spec = setPath({}, f.path.split("."), "x");
        const ds = validateDocuments(docsFromYaml(yamlOf(doc(kind, "n", spec))));
        expect(ds.some((d) => d.code === "unknown-field"), `${kind}.${f.path} unknown to the schema:\n${show(ds)}`).toBe(false);
      }
    }
    for (const f of [...UNSUPPORTED_STEP_FIELDS, ...REFUSED_STEP_FIELDS]) {
      const step = setPath({ id: "qa" }, f.path.split("."), "x");
      const ds = validateDocuments(docsFromYaml(yamlOf(workflow("w", [step]))));
      expect(ds.some((d) => d.code === "unknown-field"), `step.${f.path}:\n${show(ds)}`).toBe(false);
    }
  });

  it("leave out the fields the engine now acts on: stall_timeout_secs, Agent enabled, Trigger throttle and action.args", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(
      workflow("w", [{ id: "qa", command: "true", stall_timeout_secs: 60, chain_steps: undefined }], { safety: { stall_timeout_secs: 30 } }),
      doc("Agent", "off", { command: "echo", capabilities: ["qa"], enabled: false }),
      doc("Trigger", "t", { cron: { schedule: "0 2 * * *" }, action: { workflow: "w", workspace: "ws", args: { env: ["staging"], region: "eu" } }, throttle: { minInterval: 60 } }),
    )));
    expect(ds, show(ds)).toEqual([]);
  });
});

describe("fields the project does not offer", () => {
  const refused = (text: string) => validateDocuments(docsFromYaml(text, "w.yaml")).filter((d) => d.code === "not-offered");

  it("are errors with the file, line and field path, saying the field is not offered and how to go on", () => {
    const text = [
      "apiVersion: orchestrator.dev/v2",
      "kind: Workflow",
      "metadata:",
      "  name: w",
      "spec:",
      "  steps:",
      "    - id: qa",
      "      command: \"true\"",
      "      behavior:",
      "        execution: { kind: agent }",
      "      prehook:",
      "        when: \"true\"",
      "        extended: true",
      "  loop:",
      "    mode: once",
      "    agent_template: looper",
      "  dynamic_steps:",
      "    - id: later",
      "",
    ].join("\n");
    const ds = refused(text);
    expect(ds.map((d) => [d.severity, d.path, d.position?.line])).toEqual([
      ["error", "spec.dynamic_steps", 18],
      ["error", "spec.loop.agent_template", 16],
      ["error", "spec.steps[0].behavior.execution", 10],
      ["error", "spec.steps[0].prehook.extended", 13],
    ]);
    for (const d of ds) {
      expect(d.message).toMatch(/^field '[a-z_.]+' is not offered: /);
      expect(d.hint, d.path).toMatch(/remove|move/);
    }
    expect(ds[0]!.message).toBe("field 'dynamic_steps' is not offered: steps added at run time are not implemented, so these steps would never run");
    expect(formatDiagnostic(ds[2]!)).toMatch(/^error: workflow\/w: spec\.steps\[0\]\.behavior\.execution: field 'behavior\.execution' is not offered: .* \(w\.yaml:10:\d+\)\n  hint: remove behavior\.execution/);
  });

  it("refuse a CustomResourceDefinition scope other than Namespaced and builtin: true, and accept the values the project honours", () => {
    const crd = (extra: Record<string, unknown>) =>
      doc("CustomResourceDefinition", "prompts.x.io", { kind: "Prompt", plural: "prompts", group: "x.io", versions: [{ name: "v1", schema: { type: "object" } }], ...extra });
    expect(refused(yamlOf(crd({ scope: "Cluster", builtin: true }))).map((d) => [d.path, d.hint])).toEqual([
      ["spec.scope", "remove scope, or set scope: Namespaced"],
      ["spec.builtin", "remove builtin, or set builtin: false"],
    ]);
    expect(refused(yamlOf(crd({ scope: "Singleton" }))).map((d) => d.path)).toEqual(["spec.scope"]);
    expect(validateDocuments(docsFromYaml(yamlOf(crd({ scope: "Namespaced", builtin: false }))))).toEqual([]);
  });

  it("accept the values the project honours: an empty dynamic_steps and prehook.extended: false", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(workflow("w", [{ id: "qa", command: "true", prehook: { when: "true", extended: false } }], { dynamic_steps: [] }))));
    expect(ds, show(ds)).toEqual([]);
  });

  it("are found in chain steps, at any depth", () => {
    const spec = { steps: [{ id: "c", chain_steps: [{ id: "d", chain_steps: [{ id: "a", command: "true", behavior: { execution: "builtin" } }] }] }] };
    expect(findRefusedFields("Workflow", spec)).toEqual([
      {
        path: ["spec", "steps", 0, "chain_steps", 0, "chain_steps", 0, "behavior", "execution"],
        field: "behavior.execution",
        reason: expect.any(String),
        message: expect.stringMatching(/^field 'behavior\.execution' is not offered/),
        hint: expect.stringMatching(/^remove behavior\.execution/),
      },
    ]);
  });
});

describe("Trigger action.args", () => {
  const trigger = (args: unknown) => validateDocuments(docsFromYaml(yamlOf(doc("Trigger", "t", { cron: { schedule: "0 2 * * *" }, action: { workflow: "w", workspace: "ws", args } }))));

  it("takes one value per name, as a string or a list of one string", () => {
    expect(trigger({ env: "prod", region: ["eu"] })).toEqual([]);
  });

  it("refuses a list of several values or none, the goal, and anything but strings, naming the argument", () => {
    expect(errors(trigger({ env: ["a", "b"], none: [], goal: "ship it" })).map((d) => [d.path, d.message])).toEqual([
      ["spec.action.args.env", "argument 'env' lists 2 values; a task variable takes one"],
      ["spec.action.args.none", "argument 'none' lists 0 values; a task variable takes one"],
      ["spec.action.args.goal", "the created task's goal is action.goal, not an argument"],
    ]);
    expect(errors(trigger({ n: 3 })).map((d) => d.path)).toEqual(["spec.action.args.n"]);
  });
});

describe("what the engine does not act on", () => {
  const unsupported = (steps: unknown[]) =>
    validateDocuments(docsFromYaml(yamlOf(workflow("w", steps)))).filter((d) => d.code === "unsupported-field").map((d) => [d.path, d.message]);

  it("warns about no post-action type and not about store_inputs or store_outputs: the engine runs them all", () => {
    const actions = [
      { type: "create_ticket" },
      { type: "store_put", store: "s", key: "k", from_var: "v" },
      { type: "spawn_task", goal: "g" },
      { type: "spawn_tasks", from_var: "v", json_path: "$.x", mapping: { goal: "$.g" } },
      { type: "generate_items", from_var: "v", json_path: "$.x", mapping: { item_id: "$.id" } },
      { type: "scan_tickets" },
    ];
    expect(unsupported([{ id: "build", command: "make", behavior: { post_actions: actions } }])).toEqual([]);
    expect(
      unsupported([
        { id: "c", chain_steps: [{ id: "a", command: "true", store_inputs: [{ store: "s", key: "k", as_var: "v" }], store_outputs: [{ store: "s", key: "k", from_var: "v" }] }] },
      ]),
    ).toEqual([]);
  });

  it("warns about no builtin a manifest may name, named or inferred: the engine runs them all", () => {
    const ds = unsupported([
      { id: "restart", builtin: "self_restart" },
      { id: "again", type: "self_restart" },
      { id: "self_restart" },
      { id: "guard", builtin: "loop_guard" },
      // Owed by the engine: the corpus' plain QA fixtures must validate without a warning.
      { id: "self_test" },
      { id: "self_restart", command: "make restart" },
    ]);
    expect(ds).toEqual([]);
  });
});

function setPath(obj: Record<string, unknown>, segs: string[], value: unknown): Record<string, unknown> {
  let cur = obj;
  segs.forEach((s, i) => {
    if (i === segs.length - 1) cur[s] = value;
    else cur = (cur[s] ??= {}) as Record<string, unknown>;
  });
  return obj;
}

describe("CEL", () => {
  it("reports a syntax error with the field path, the field's position and the offset", () => {
    const text = yamlOf(workflow("w", [{ id: "qa", prehook: { engine: "cel", when: "cycle > " } }], { finalize: { rules: [{ id: "r", when: "(a", status: "s" }] } }));
    const ds = validateDocuments(docsFromYaml(text, "wf.yaml"));
    const prehook = ds.find((d) => d.path === "spec.steps[0].prehook.when")!;
    expect(prehook).toMatchObject({ severity: "error", code: "cel" });
    expect(prehook.message).toMatch(/at offset 8$/);
    expect(prehook.position!.line).toBe(text.split("\n").findIndex((l) => l.includes("when: \"cycle > \"")) + 1);
    expect(ds.find((d) => d.path === "spec.finalize.rules[0].when")).toMatchObject({ code: "cel" });
  });

  it("checks trigger filters and agent command rules", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(
      doc("Trigger", "t", { event: { source: "task_completed", filter: { condition: "status ==" } }, action: { workflow: "w", workspace: "s" } }),
      doc("Agent", "a", { command: "x", command_rules: [{ when: "a b", command: "y" }] }),
    )));
    expect(errors(ds).map((d) => [d.code, d.path])).toEqual([
      ["cel", "spec.event.filter.condition"],
      ["cel", "spec.command_rules[0].when"],
    ]);
  });

  it("refuses a workflow whose steps are all disabled, at the steps' position", () => {
    const text = yamlOf(workflow("w", [{ id: "qa", enabled: false }, { id: "fix", enabled: false }]));
    const ds = errors(validateDocuments(docsFromYaml(text)));
    expect(ds).toMatchObject([{ path: "spec.steps", message: "every step has enabled: false, so the workflow has nothing to run" }]);
    // The list itself: its first line.
    expect(ds[0]!.position!.line).toBe(text.split("\n").findIndex((l) => l.includes("- id: qa")) + 1);
    expect(errors(validateDocuments(docsFromYaml(yamlOf(workflow("w", [{ id: "qa", enabled: false }, { id: "fix" }])))))).toEqual([]);
  });

  it("refuses json_path on a capture whose source is not stdout or stderr", () => {
    const text = yamlOf(workflow("w", [{ id: "build", command: "make", behavior: { captures: [{ var: "code", source: "exit_code", json_path: "$.code" }, { var: "out", source: "stdout", json_path: "$.x" }] } }]));
    const ds = errors(validateDocuments(docsFromYaml(text)));
    expect(ds).toMatchObject([{ path: "spec.steps[0].behavior.captures[0].json_path", message: expect.stringContaining("source 'exit_code' has none") }]);
    expect(ds[0]!.position!.line).toBe(text.split("\n").findIndex((l) => l.includes("json_path: $.code")) + 1);
  });

  it("accepts allow_no_items as a workflow field", () => {
    expect(validateDocuments(docsFromYaml(yamlOf(workflow("w", [{ id: "qa", command: "true" }], { allow_no_items: true }))))).toEqual([]);
  });

  it("refuses a Task or Run whose goal and vars.goal disagree, and takes them when they agree", () => {
    const bad = validateDocuments(docsFromYaml(yamlOf(doc("Run", "r", { workflow: "w", goal: "a", vars: { goal: "b" } }), doc("Task", "t", { workflow: "w", goal: "a", vars: { goal: "b" } }))));
    expect(errors(bad).map((d) => [d.resource, d.path])).toEqual([["run/r", "spec.vars.goal"], ["task/t", "spec.vars.goal"]]);
    expect(errors(validateDocuments(docsFromYaml(yamlOf(doc("Task", "t", { workflow: "w", goal: "a", vars: { goal: "a" } })))))).toEqual([]);
  });

  it("needs a when on every prehook and accepts the older 'expression' spelling", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(workflow("w", [{ id: "qa", prehook: { engine: "cel", reason: "r" } }, { id: "fix", prehook: { expression: "qa_failed" } }]))));
    expect(errors(ds)).toMatchObject([{ path: "spec.steps[0].prehook", message: "step 'qa': prehook has no 'when' expression" }]);
  });
});

describe("prehook variables", () => {
  const wf = (steps: unknown[]): Resource => docsFromYaml(yamlOf(workflow("w", steps)))[0]!.resource;

  it("warns when a prehook reads a variable no earlier step declares", () => {
    const ds = checkPrehookVariables(wf([{ id: "a", type: "qa" }, { id: "b", type: "fix", prehook: { when: "size(regression_target_ids) > 0" } }]));
    expect(ds).toMatchObject([{ severity: "warning", code: "reference", resource: "workflow/w", path: "spec.steps[1].prehook.when" }]);
    expect(ds[0]!.message).toContain("'regression_target_ids'");
    // Not a claim that nothing provides it: a value given when the task starts does.
    expect(ds[0]!.message).toContain("must come from --set or the Task's spec.vars");
    expect(ds[0]!.hint).toContain("--set regression_target_ids=");
  });

  it("accepts built-ins, earlier captures, store inputs, generated item vars and prior step ids", () => {
    const steps = [
      { id: "a", type: "qa", behavior: { captures: [{ var: "targets", source: "stdout" }] } },
      { id: "b", command: "x", store_inputs: [{ store: "s", key: "k", as_var: "baseline" }] },
      { id: "c", command: "x", behavior: { post_actions: [{ type: "generate_items", from_var: "v", json_path: "$", mapping: { item_id: "$.id", vars: { approach: "$.a" } } }] } },
      { id: "d", type: "fix", prehook: { when: "is_last_cycle && size(targets) > 0 && baseline != '' && approach == 'x' && steps.a.exit_code == 0 && a.ok && qa_failed" } },
    ];
    expect(checkPrehookVariables(wf(steps))).toEqual([]);
  });

  it("counts only EARLIER steps", () => {
    const ds = checkPrehookVariables(wf([
      { id: "a", type: "qa", prehook: { when: "later_var" } },
      { id: "b", command: "x", behavior: { captures: [{ var: "later_var", source: "stdout" }] } },
    ]));
    expect(ds.map((d) => d.path)).toEqual(["spec.steps[0].prehook.when"]);
  });

  it("is part of validateDocuments, with a position", () => {
    const ds = validateDocuments(docsFromYaml(yamlOf(workflow("w", [{ id: "qa", prehook: { when: "nope" } }]))));
    expect(ds).toMatchObject([{ severity: "warning", code: "reference", path: "spec.steps[0].prehook.when", position: { line: expect.any(Number) } }]);
  });
});

describe("scale", () => {
  it("validates 10,000 documents with no diagnostics", () => {
    const docs: ParsedDocument[] = [];
    const text = yamlOf(
      workflow("w", [{ id: "plan" }, { id: "qa", prehook: { when: "is_last_cycle && qa_confidence < 0.8" } }, { id: "fix" }], { loop: { mode: "fixed", max_cycles: 2 } }),
      doc("Agent", "a", { command: "echo '{prompt}'", capabilities: ["plan", "qa", "fix"] }),
    );
    const base = docsFromYaml(text);
    for (let i = 0; docs.length < 10_000; i++) {
      const d = base[i % base.length]!;
      docs.push({ ...d, resource: { ...d.resource, metadata: { name: `r${i}` } } });
    }
    expect(validateDocuments(docs)).toEqual([]);
  });
});

const CORPUS = "/work/shared/corpus";

describe.skipIf(!existsSync(CORPUS))("upstream corpus", () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e)) files.push(p);
    }
  };
  if (existsSync(CORPUS)) walk(CORPUS);
  const check = (rel: string, opts = {}) => validateDocuments(docsFromFile(join(CORPUS, rel), rel), opts);
  const REJECTED = ["fixture-bundles/s4-invalid-cel.yaml", "fixture-bundles/crd-test-invalid.yaml"];

  it("every file validates without errors, except the two rejected on purpose", () => {
    expect(files.length).toBeGreaterThan(80);
    for (const f of files) {
      const rel = relative(CORPUS, f);
      if (REJECTED.includes(rel)) continue;
      const ds = validateDocuments(docsFromFile(f, rel));
      expect(errors(ds), `${rel}:\n${show(errors(ds))}`).toEqual([]);
    }
  });

  it("s4-invalid-cel: a CEL error naming the field path and line", () => {
    const ds = errors(check("fixture-bundles/s4-invalid-cel.yaml"));
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ code: "cel", resource: "workflow/s4_invalid_cel", path: "spec.loop.convergence_expr[0].when", position: { file: "fixture-bundles/s4-invalid-cel.yaml", line: 15 } });
    expect(ds[0]!.message).toContain("invalid cel syntax [[[");
  });

  it("crd-test-invalid: rejected alone (unknown kind and apiVersion) and against the stored CRD (spec.prompts missing)", () => {
    const alone = errors(check("fixture-bundles/crd-test-invalid.yaml"));
    expect(alone.map((d) => d.code).sort()).toEqual(["api-version", "unknown-kind"]);
    expect(alone.find((d) => d.code === "unknown-kind")!.message).toContain("'PromptLibrary'");
    const crds = docsFromFile(join(CORPUS, "fixture-bundles/crd-test.yaml")).map((d) => d.resource).filter((r) => r.kind === "CustomResourceDefinition");
    const withCrd = errors(check("fixture-bundles/crd-test-invalid.yaml", { storedCrds: crds }));
    expect(withCrd).toMatchObject([{ path: "spec.prompts", message: "required field is missing", resource: "promptlibrary/invalid-prompts" }]);
  });

  it("qa105-s1: unknown step field 'capture' with did-you-mean behavior.captures", () => {
    const ds = check("fixture-bundles/qa105-s1-capture-wrong-level.yaml");
    expect(ds).toMatchObject([{ severity: "warning", code: "unknown-field", path: "spec.steps[0].capture", message: expect.stringContaining("did you mean 'behavior.captures'") }]);
  });

  it("qa105-s2: unknown step field 'foobar' without a suggestion", () => {
    const ds = check("fixture-bundles/qa105-s2-unknown-field-no-suggestion.yaml");
    expect(ds).toMatchObject([{ severity: "warning", code: "unknown-field", path: "spec.steps[0].foobar", message: "unknown field 'foobar'" }]);
  });

  it("qa105-s4: the prehook of step_b reads an undeclared capture", () => {
    const ds = check("fixture-bundles/qa105-s4-prehook-undeclared-capture.yaml");
    expect(ds).toMatchObject([{ severity: "warning", code: "reference", path: "spec.steps[1].prehook.when", message: expect.stringContaining("'regression_target_ids'") }]);
    expect(ds[0]!.message).toContain("step 'step_b'");
  });

  it("qa105-s3 and qa105-s5: no warning at all", () => {
    expect(show(check("fixture-bundles/qa105-s3-correct-yaml.yaml"))).toBe("");
    expect(show(check("fixture-bundles/qa105-s5-prehook-declared-capture.yaml"))).toBe("");
  });

  it("every field the corpus uses is known to the schema (only qa105-s1/s2 have unknown fields)", () => {
    for (const f of files) {
      const rel = relative(CORPUS, f);
      if (rel.includes("qa105-s1") || rel.includes("qa105-s2")) continue;
      const unknown = validateDocuments(docsFromFile(f, rel)).filter((d) => d.code === "unknown-field");
      expect(unknown, `${rel}:\n${show(unknown)}`).toEqual([]);
    }
  });
});
