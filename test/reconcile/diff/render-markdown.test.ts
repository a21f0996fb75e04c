import { describe, expect, it } from "vitest";
import { diffResource, renderDiffMarkdown } from "../../../src/reconcile/diff/index.js";
import { DIFF_COMMENT_MARKER, GITHUB_COMMENT_LIMIT } from "../../../src/reconcile/diff/render-markdown.js";
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

  it("starts with the hidden marker and a summary table of the counts", () => {
    expect(out.startsWith(
      "<!-- orchestrator-diff -->\n### orchestrator diff\n\n" +
        "| Create | Update | Delete | Unchanged | Errors | Warnings |\n" +
        "| ---: | ---: | ---: | ---: | ---: | ---: |\n" +
        "| 1 | 1 | 1 | 1 | 1 | 1 |\n",
    )).toBe(true);
  });

  it("has a <details> block per changed resource, in apply order then deletions, each with a diff block", () => {
    const sections = out.split("\n").filter((l) => l.startsWith("<summary>"));
    expect(sections).toEqual([
      "<summary>Create: <code>agent/coder</code> in project <code>default</code></summary>",
      "<summary>Update: <code>workflow/qa</code> in project <code>default</code> (1 field)</summary>",
      "<summary>Delete: <code>agent/gone</code> in project <code>default</code></summary>",
    ]);
    expect(out.match(/^<details>$/gm)).toHaveLength(3);
    expect(out.match(/^<\/details>$/gm)).toHaveLength(3);
    expect(out).toContain("(1 field)</summary>\n\n- `spec.steps[1].command` changed\n\n```diff\n--- live\n+++ desired\n@@ ");
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
    expect(md).toMatch(/\n`````diff\n[\s\S]*\n`````\n\n<\/details>\n$/);
  });

  it("says first what could not be diffed, counts it as an error, and never says 'No changes.' then", () => {
    const md = renderDiffMarkdown([], [], { failures: [{ source: "badref", reason: "RefNotFound", message: "ref 'nope' is not a branch, tag or commit" }] });
    expect(md).toBe(
      "<!-- orchestrator-diff -->\n### orchestrator diff\n\n" +
        "| Create | Update | Delete | Unchanged | Errors | Warnings |\n" +
        "| ---: | ---: | ---: | ---: | ---: | ---: |\n" +
        "| 0 | 0 | 0 | 0 | 1 | 0 |\n\n" +
        "**Could not diff 1 source; the changes below leave it out:**\n\n" +
        "- source badref: RefNotFound: ref 'nope' is not a branch, tag or commit\n",
    );
    const commits = renderDiffMarkdown([], [], { failures: [{ source: null, reason: "PathNotFound", message: "path 'manifests' exists in neither a nor b" }] });
    expect(commits).toContain("**The diff could not be computed:**\n\n- PathNotFound: path 'manifests' exists in neither a nor b\n");
  });

  it("marks drift in a line under the table and in the resource's heading; adoption and release get sections", () => {
    const drifted = { ...diffResource(agent("a", "echo by-hand"), agent("a")), drift: { was: "modified" as const, by: "cli" } };
    const released = { ...diffResource(agent("d"), agent("d")), ownership: { change: "release" as const, from: "source:default", to: "cli" } };
    const md = renderDiffMarkdown([drifted, released], []);
    expect(md).toContain("**1 resource drifted** (changed or deleted out of band): sync puts it back.");
    expect(md).toContain("<summary>Update: <code>agent/a</code> in project <code>default</code> (1 field) (drift: changed out of band by cli; sync restores it)</summary>\n");
    expect(md).toContain("<summary>Release: <code>agent/d</code> in project <code>default</code> (released: no longer in source:default; left in place, applied by cli)</summary>\n");
    expect(md).not.toContain("No changes.");
  });

  it("says 'No changes.' when nothing differs", () => {
    expect(renderDiffMarkdown([diffResource(agent("a"), agent("a"))], [])).toContain("\n\nNo changes.\n");
  });

  it("takes a custom title", () => {
    expect(renderDiffMarkdown([], [], { title: "Plan for #42" })).toMatch(/^<!-- orchestrator-diff -->\n### Plan for \\#42\n/);
  });
});

/** An agent whose command is `lines` lines long, so its diff has about that many lines. */
function bigAgent(name: string, lines: number, word: string): Resource {
  return { apiVersion: API, kind: "Agent", metadata: { name }, spec: { command: Array.from({ length: lines }, (_, i) => `echo ${word} ${i}`).join("\n"), capabilities: ["x"] } };
}

describe("renderDiffMarkdown within a GitHub comment", () => {
  it("keeps every diff when the whole fits", () => {
    const md = renderDiffMarkdown([diffResource(undefined, bigAgent("a", 100, "x"))], []);
    expect(md).not.toContain("Cut to fit");
    expect(md).toContain("echo x 99");
  });

  it("folds the largest diffs to one line each, keeps the small ones whole, and says what was cut", () => {
    const diffs = [
      diffResource(bigAgent("huge", 3000, "old"), bigAgent("huge", 3000, "new")),
      diffResource(undefined, bigAgent("large", 6000, "x")),
      ...Array.from({ length: 20 }, (_, i) => diffResource(undefined, bigAgent(`small-${String(i).padStart(2, "0")}`, 3, "y"))),
    ];
    const md = renderDiffMarkdown(diffs, []);
    expect(md.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(md).toMatch(/- Update: <code>agent\/huge<\/code>.*: diff of \d+ lines folded\n/);
    expect(md).toMatch(/- Create: <code>agent\/large<\/code>.*: diff of \d+ lines folded\n/);
    expect(md.match(/^<details>$/gm)).toHaveLength(20);
    expect(md).toContain("echo y 2");
    expect(md).toContain("> **Cut to fit a GitHub comment (65,536 characters):** 2 diffs folded to one line each, largest first. Run `orchestrator diff` (or `-o json`) for the whole diff.");
  });

  it("lists what fits of a 10,000-resource change under 65,536 characters and counts the rest", () => {
    const diffs = Array.from({ length: 10_000 }, (_, i) => diffResource(undefined, bigAgent(`agent-${String(i).padStart(5, "0")}`, 5, "z")));
    const errors: Diagnostic[] = Array.from({ length: 5000 }, (_, i) => ({ severity: "error", code: "schema", message: `must be integer ${i}`, resource: `workflow/w${i}` }));
    const md = renderDiffMarkdown(diffs, errors);
    expect(md.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(md.startsWith(DIFF_COMMENT_MARKER)).toBe(true);
    expect(md).toContain("| 10000 | 0 | 0 | 0 | 5000 | 0 |");
    expect(md).toMatch(/the last [\d,]+ resources not listed \(they are counted in the table\)/);
    expect(md).toContain("<code>agent/agent-00000</code>");
    expect(md).toMatch(/- … and \d+ more errors \(run `orchestrator manifest validate` for all\)/);
    expect(md).toContain("#### 5000 errors");
  });

  it("escapes HTML and mentions in the summary line", () => {
    const r: Resource = { apiVersion: API, kind: "Agent", metadata: { name: "a", project: "p" }, spec: { command: "echo", capabilities: ["x"] } };
    const drifted = { ...diffResource(r, { ...r, spec: { ...r.spec, command: "echo 2" } }), drift: { was: "modified" as const, by: "<img src=x>@octocat" } };
    const md = renderDiffMarkdown([drifted], []);
    expect(md).toContain("changed out of band by &#60;img src=x&#62;&#64;octocat;");
    expect(md).not.toContain("<img");
  });
});
