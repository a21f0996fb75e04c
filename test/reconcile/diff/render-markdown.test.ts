import { describe, expect, it } from "vitest";
import { diffResource, renderDiffMarkdown } from "../../../src/reconcile/diff/index.js";
import type { Diagnostic } from "../../../src/resources/diagnostics.js";
import type { Resource } from "../../../src/resources/types.js";
import { agent, API, workflow } from "./sample-resources.js";

const diffs = [
  diffResource(workflow("echo old"), workflow("echo new")),
  diffResource(undefined, agent("coder")),
  diffResource(agent("same"), agent("same")),
  diffResource(agent("gone"), undefined),
];
const diagnostics: Diagnostic[] = [
  { severity: "warning", code: "reference", message: "agent <b>x</b> is unused @octocat", resource: "agent/x" },
  { severity: "error", code: "schema", message: "must be integer", resource: "workflow/qa", path: "spec.loop", hint: "use 3" },
];

describe("renderDiffMarkdown", () => {
  const out = renderDiffMarkdown(diffs, diagnostics);

  it("starts with a summary table of the counts", () => {
    expect(out.startsWith(
      "### orchestrator diff\n\n" +
        "| Create | Update | Delete | Unchanged | Errors | Warnings |\n" +
        "| ---: | ---: | ---: | ---: | ---: | ---: |\n" +
        "| 1 | 1 | 1 | 1 | 1 | 1 |\n",
    )).toBe(true);
  });

  it("has a section per changed resource, in apply order, each with a diff block", () => {
    const sections = out.split("\n").filter((l) => l.startsWith("#### ") && l.includes("`"));
    expect(sections).toEqual([
      "#### Create: `agent/coder` in project `default`",
      "#### Delete: `agent/gone` in project `default`",
      "#### Update: `workflow/qa` in project `default`",
    ]);
    expect(out).toContain("- `spec.steps[1].command` changed\n\n```diff\n--- live\n+++ desired\n@@ ");
    expect(out).toContain("-      command: echo old\n+      command: echo new\n");
    expect(out.match(/^```diff$/gm)).toHaveLength(3);
  });

  it("ends with errors, then warnings, escaped so a message cannot inject HTML or mentions", () => {
    const tail = out.slice(out.indexOf("#### 1 error"));
    expect(tail).toBe(
      "#### 1 error\n\n" +
        "- error: workflow/qa: spec.loop: must be integer\n" +
        "  - hint: use 3\n\n" +
        "#### 1 warning\n\n" +
        "- warning: agent/x: agent \\<b\\>x\\</b\\> is unused \\@octocat\n",
    );
  });

  it("uses a fence longer than any backtick run in the manifest", () => {
    const r: Resource = { apiVersion: API, kind: "Agent", metadata: { name: "fence" }, spec: { prompt: "```\n# not a heading\n````" } };
    const md = renderDiffMarkdown([diffResource(undefined, r)], []);
    expect(md).toMatch(/\n`````diff\n[\s\S]*\n`````\n$/);
  });

  it("says 'No changes.' when nothing differs", () => {
    expect(renderDiffMarkdown([diffResource(agent("a"), agent("a"))], [])).toContain("\n\nNo changes.\n");
  });

  it("takes a custom title", () => {
    expect(renderDiffMarkdown([], [], { title: "Plan for #42" })).toMatch(/^### Plan for \\#42\n/);
  });
});
