import { describe, expect, it } from "vitest";
import { diffResource, renderDiffText } from "../../../src/reconcile/diff/index.js";
import type { Diagnostic } from "../../../src/resources/diagnostics.js";
import { agent, workflow } from "./sample-resources.js";

const diagnostics: Diagnostic[] = [
  { severity: "warning", code: "unsupported-field", message: "field is not acted on yet", resource: "workflow/qa", path: "spec.safety" },
  {
    severity: "error",
    code: "schema",
    message: "must be integer",
    resource: "workflow/qa",
    path: "spec.loop.max_cycles",
    position: { file: "manifests/qa.yaml", line: 12, column: 17 },
    hint: "write a whole number, e.g. 3",
  },
];

const diffs = [
  diffResource(workflow("echo old"), workflow("echo new")),
  diffResource(undefined, agent("coder")),
  diffResource(agent("same"), agent("same")),
  diffResource(agent("gone"), undefined),
];

describe("renderDiffText", () => {
  const out = renderDiffText(diffs, diagnostics);

  it("lists changed resources in apply order with their changed fields and unified diffs", () => {
    const headings = out.split("\n").filter((l) => /^[+~-] \w+\//.test(l));
    expect(headings).toEqual([
      "+ agent/coder (project default): create",
      "- agent/gone (project default): delete",
      "~ workflow/qa (project default): update",
    ]);
    expect(out).toContain("~ workflow/qa (project default): update\n  changed spec.steps[1].command\n--- live\n+++ desired\n@@ ");
    expect(out).not.toContain("agent/same");
  });

  it("summarises the counts", () => {
    expect(out).toContain("Summary: 1 to create, 1 to update, 1 to delete, 1 unchanged");
  });

  it("prints errors before warnings, each with formatDiagnostic", () => {
    const tail = out.slice(out.indexOf("Errors (1):"));
    expect(tail).toBe(
      "Errors (1):\n" +
        "  error: workflow/qa: spec.loop.max_cycles: must be integer (manifests/qa.yaml:12:17)\n" +
        "    hint: write a whole number, e.g. 3\n\n" +
        "Warnings (1):\n" +
        "  warning: workflow/qa: spec.safety: field is not acted on yet\n",
    );
  });

  it("is the same whatever order the diffs arrive in", () => {
    expect(renderDiffText([...diffs].reverse(), diagnostics)).toBe(out);
  });

  it("colours only when asked", () => {
    expect(out).not.toContain("\u001b[");
    const coloured = renderDiffText(diffs, diagnostics, { color: true });
    expect(coloured).toContain("\u001b[32m+      command: echo new\u001b[0m");
    expect(coloured).toContain("\u001b[31m-      command: echo old\u001b[0m");
  });

  it("prints only the summary when nothing changes", () => {
    expect(renderDiffText([diffResource(agent("a"), agent("a"))], [])).toBe(
      "Summary: 0 to create, 0 to update, 0 to delete, 1 unchanged\n",
    );
  });
});
