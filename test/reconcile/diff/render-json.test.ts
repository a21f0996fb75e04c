import { describe, expect, it } from "vitest";
import { diffResource, renderDiffJson } from "../../../src/reconcile/diff/index.js";
import type { Diagnostic } from "../../../src/resources/diagnostics.js";
import { agent, workflow } from "./sample-resources.js";

const diffs = [
  diffResource(workflow("echo old", { retry: "x" }), workflow("echo new", { note: "n" })),
  diffResource(undefined, agent("coder")),
  diffResource(agent("same"), agent("same")),
];
const diagnostics: Diagnostic[] = [
  { severity: "warning", code: "unsupported-field", message: "not acted on", resource: "workflow/qa" },
  { severity: "error", code: "schema", message: "bad", path: "spec.x", position: { file: "a.yaml", line: 2, column: 3 }, hint: "fix" },
];

describe("renderDiffJson", () => {
  const out = renderDiffJson(diffs, diagnostics);
  const parsed = JSON.parse(out);

  it("has the documented top-level shape and summary", () => {
    expect(Object.keys(parsed)).toEqual(["summary", "failures", "resources", "diagnostics"]);
    expect(parsed.summary).toEqual({ create: 1, update: 1, delete: 0, unchanged: 1, drift: 0 });
    expect(Object.keys(parsed.summary)).toEqual(["create", "update", "delete", "unchanged", "drift"]);
    expect(parsed.failures).toEqual([]);
  });

  it("lists every resource in apply order with keys in a fixed order", () => {
    expect(parsed.resources.map((r: { kind: string; name: string; action: string }) => `${r.kind}/${r.name}:${r.action}`)).toEqual([
      "Agent/coder:create",
      "Agent/same:unchanged",
      "Workflow/qa:update",
    ]);
    for (const r of parsed.resources) {
      expect(Object.keys(r)).toEqual(["kind", "name", "project", "action", "drift", "ownership", "changes", "unified"]);
      expect([r.drift, r.ownership]).toEqual([null, null]);
    }
  });

  it("has a stable field for what could not be diffed", () => {
    const failed = JSON.parse(renderDiffJson([], [], { failures: [{ source: "badref", reason: "RefNotFound", message: "ref 'nope' is not a branch" }] }));
    expect(failed.failures).toEqual([{ source: "badref", reason: "RefNotFound", message: "ref 'nope' is not a branch" }]);
    expect(Object.keys(failed.failures[0])).toEqual(["source", "reason", "message"]);
  });

  it("marks drift and changes of hands per resource, and counts drift", () => {
    const drifted = { ...diffResource(agent("a", "echo by-hand"), agent("a")), drift: { was: "modified" as const, by: "cli" } };
    const adopted = { ...diffResource(agent("c"), agent("c")), ownership: { change: "adopt" as const, from: "cli", to: "source:default" } };
    const j = JSON.parse(renderDiffJson([drifted, adopted], []));
    expect(j.summary.drift).toBe(1);
    expect(j.resources.map((r: { name: string; drift: unknown; ownership: unknown }) => [r.name, r.drift, r.ownership])).toEqual([
      ["a", { was: "modified", by: "cli" }, null],
      ["c", null, { change: "adopt", from: "cli", to: "source:default" }],
    ]);
  });

  it("writes every change with path, op, before and after, null when absent", () => {
    const wf = parsed.resources[2];
    expect(wf.changes).toEqual([
      { path: "spec.steps[1].command", op: "changed", before: "echo old", after: "echo new" },
      { path: "spec.note", op: "added", before: null, after: "n" },
      { path: "spec.retry", op: "removed", before: "x", after: null },
    ]);
    for (const c of wf.changes) expect(Object.keys(c)).toEqual(["path", "op", "before", "after"]);
    expect(wf.unified).toMatch(/^--- live\n\+\+\+ desired\n@@ /);
  });

  it("writes diagnostics errors first, every key present, null when absent", () => {
    expect(parsed.diagnostics).toEqual([
      {
        severity: "error",
        code: "schema",
        message: "bad",
        resource: null,
        path: "spec.x",
        position: { file: "a.yaml", line: 2, column: 3 },
        hint: "fix",
      },
      {
        severity: "warning",
        code: "unsupported-field",
        message: "not acted on",
        resource: "workflow/qa",
        path: null,
        position: null,
        hint: null,
      },
    ]);
    for (const d of parsed.diagnostics) {
      expect(Object.keys(d)).toEqual(["severity", "code", "message", "resource", "path", "position", "hint"]);
    }
  });

  it("is byte-for-byte stable whatever order the input arrives in", () => {
    expect(renderDiffJson([...diffs].reverse(), diagnostics)).toBe(out);
    expect(out.endsWith("}\n")).toBe(true);
  });
});
