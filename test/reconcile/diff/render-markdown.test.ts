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

  it("has a section per changed resource, in apply order then deletions, each with a diff block", () => {
    const sections = out.split("\n").filter((l) => l.startsWith("#### ") && l.includes("`"));
    expect(sections).toEqual([
      "#### Create: `agent/coder` in project `default`",
      "#### Update: `workflow/qa` in project `default`",
      "#### Delete: `agent/gone` in project `default`",
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

  it("says first what could not be diffed, counts it as an error, and never says 'No changes.' then", () => {
    const md = renderDiffMarkdown([], [], { failures: [{ source: "badref", reason: "RefNotFound", message: "ref 'nope' is not a branch, tag or commit" }] });
    expect(md).toBe(
      "### orchestrator diff\n\n" +
        "**Could not diff 1 source; the changes below leave it out:**\n\n" +
        "- source badref: RefNotFound: ref 'nope' is not a branch, tag or commit\n\n" +
        "| Create | Update | Delete | Unchanged | Errors | Warnings |\n" +
        "| ---: | ---: | ---: | ---: | ---: | ---: |\n" +
        "| 0 | 0 | 0 | 0 | 1 | 0 |\n",
    );
    const commits = renderDiffMarkdown([], [], { failures: [{ source: null, reason: "PathNotFound", message: "path 'manifests' exists in neither a nor b" }] });
    expect(commits).toContain("**The diff could not be computed:**\n\n- PathNotFound: path 'manifests' exists in neither a nor b\n");
  });

  it("marks drift in a line under the table and in the resource's heading; adoption and release get sections", () => {
    const drifted = { ...diffResource(agent("a", "echo by-hand"), agent("a")), drift: { was: "modified" as const, by: "cli" } };
    const released = { ...diffResource(agent("d"), agent("d")), ownership: { change: "release" as const, from: "source:default", to: "cli" } };
    const md = renderDiffMarkdown([drifted, released], []);
    expect(md).toContain("**1 resource drifted** (changed or deleted out of band): sync puts it back.");
    expect(md).toContain("#### Update: `agent/a` in project `default` (drift: changed out of band by cli; sync restores it)\n");
    expect(md).toContain("#### Release: `agent/d` in project `default` (released: no longer in source:default; left in place, applied by cli)\n");
    expect(md).not.toContain("No changes.");
  });

  it("says 'No changes.' when nothing differs", () => {
    expect(renderDiffMarkdown([diffResource(agent("a"), agent("a"))], [])).toContain("\n\nNo changes.\n");
  });

  it("takes a custom title", () => {
    expect(renderDiffMarkdown([], [], { title: "Plan for #42" })).toMatch(/^### Plan for \\#42\n/);
  });
});
