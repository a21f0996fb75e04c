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

  it("lists changed resources in apply order, then deletions in prune order, with changed fields and unified diffs", () => {
    const headings = out.split("\n").filter((l) => /^[+~-] \w+\//.test(l));
    expect(headings).toEqual([
      "+ agent/coder (project default): create",
      "~ workflow/qa (project default): update",
      "- agent/gone (project default): delete",
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

  it("lists deletions in the order sync prunes them: dependants first, names in order within a kind", () => {
    const deletions = [diffResource(agent("b"), undefined), diffResource(workflow("x"), undefined), diffResource(agent("a"), undefined)];
    const headings = renderDiffText(deletions, []).split("\n").filter((l) => l.startsWith("- ") && l.endsWith("delete"));
    expect(headings).toEqual(["- workflow/qa (project default): delete", "- agent/a (project default): delete", "- agent/b (project default): delete"]);
  });

  it("marks drift and changes of hands in the heading, and shows a release whose content does not change", () => {
    const drifted = { ...diffResource(agent("a", "echo by-hand"), agent("a")), drift: { was: "modified" as const, by: "cli" } };
    const restored = { ...diffResource(undefined, agent("b")), drift: { was: "deleted" as const, by: null } };
    const adopted = { ...diffResource(agent("c"), agent("c")), ownership: { change: "adopt" as const, from: "cli", to: "source:default" } };
    const released = { ...diffResource(agent("d"), agent("d")), ownership: { change: "release" as const, from: "source:default", to: "cli" } };
    const text = renderDiffText([drifted, restored, adopted, released], []);
    expect(text).toContain("~ agent/a (project default): update (drift: changed out of band by cli; sync restores it)\n");
    expect(text).toContain("+ agent/b (project default): create (drift: deleted out of band; sync restores it)\n");
    expect(text).toContain("= agent/c (project default): unchanged (adopted: applied by cli, source:default takes it over)\n");
    expect(text).toContain("= agent/d (project default): unchanged (released: no longer in source:default; left in place, applied by cli)\n");
    expect(text).toContain("Summary: 1 to create, 1 to update, 0 to delete, 2 unchanged; 2 drifted\n");
  });

  it("puts what could not be diffed first, so an empty summary cannot pass for 'no changes'", () => {
    const text = renderDiffText([], [], { failures: [{ source: "repo", reason: "RefNotFound", message: "ref 'nope' is not a branch" }] });
    expect(text).toBe(
      "Failed (1): could not be diffed; the summary below leaves it out\n" +
        "  source repo: RefNotFound: ref 'nope' is not a branch\n\n" +
        "Summary: 0 to create, 0 to update, 0 to delete, 0 unchanged\n",
    );
  });

  it("prints only the summary when nothing changes", () => {
    expect(renderDiffText([diffResource(agent("a"), agent("a"))], [])).toBe(
      "Summary: 0 to create, 0 to update, 0 to delete, 1 unchanged\n",
    );
  });
});
