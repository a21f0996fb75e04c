import { describe, expect, it } from "vitest";
import { diffResource } from "../../../src/reconcile/diff/index.js";
import type { JsonObject, Resource } from "../../../src/resources/types.js";
import { agent, API, workflow } from "./sample-resources.js";

/** The lines the desired side shows, without the diff markers. */
function desiredYaml(unified: string): string[] {
  return unified
    .split("\n")
    .filter((l) => l.startsWith("+") && !l.startsWith("+++"))
    .map((l) => l.slice(1));
}

describe("diffResource", () => {
  it("creates: every line added, no field list", () => {
    const d = diffResource(undefined, agent("coder"));
    expect(d).toMatchObject({ kind: "Agent", name: "coder", project: "default", action: "create", changes: [] });
    expect(d.unified.startsWith("--- live\n+++ desired\n@@ -0,0 +1,9 @@\n")).toBe(true);
    expect(desiredYaml(d.unified)).toEqual([
      `apiVersion: ${API}`,
      "kind: Agent",
      "metadata:",
      "  name: coder",
      "  project: default",
      "spec:",
      "  command: claude -p {prompt}",
      "  capabilities:",
      "    - implement",
    ]);
  });

  it("deletes: every line removed", () => {
    const d = diffResource(agent("old"), undefined);
    expect(d.action).toBe("delete");
    expect(d.unified).toMatch(/^--- live\n\+\+\+ desired\n@@ -1,9 \+0,0 @@\n-apiVersion: /);
    expect(d.unified.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++"))).toEqual([]);
  });

  it("updates: names the changed field and shows it in a hunk with context", () => {
    const d = diffResource(workflow("echo old"), workflow("echo new"));
    expect(d.action).toBe("update");
    expect(d.changes).toEqual([{ path: "spec.steps[1].command", op: "changed", before: "echo old", after: "echo new" }]);
    expect(d.unified).toContain("-      command: echo old\n+      command: echo new\n");
    expect(d.unified).toContain("     - id: implement\n       type: implement\n");
  });

  it("is unchanged when only store bookkeeping, a defaulted project or empty labels differ", () => {
    const live = {
      ...agent("coder"),
      metadata: { name: "coder", project: "default", labels: {}, annotations: {} },
      status: { phase: "Ready" },
      generation: 4,
      hash: "abc",
      origin: { appliedBy: "cli" },
      createdAt: "2024-01-01T00:00:00Z",
    } as Resource;
    const d = diffResource(live, agent("coder"));
    expect(d).toEqual({ kind: "Agent", name: "coder", project: "default", action: "unchanged", changes: [], unified: "" });
  });

  it("renders envelope keys in manifest order and spec keys in insertion order", () => {
    const scrambled = {
      spec: { zeta: 1, alpha: { y: 1, b: 2 } },
      metadata: { labels: { team: "qa" }, name: "w" },
      kind: "Workflow",
      apiVersion: API,
    } as unknown as Resource;
    expect(desiredYaml(diffResource(undefined, scrambled).unified)).toEqual([
      `apiVersion: ${API}`,
      "kind: Workflow",
      "metadata:",
      "  name: w",
      "  project: default",
      "  labels:",
      "    team: qa",
      "spec:",
      "  zeta: 1",
      "  alpha:",
      "    y: 1",
      "    b: 2",
    ]);
  });

  it("keeps a long value on one line and never emits YAML anchors", () => {
    const shared: JsonObject = { retries: 3 };
    const long = "x".repeat(200) + " " + "y".repeat(50);
    const r: Resource = { apiVersion: API, kind: "Workflow", metadata: { name: "w" }, spec: { a: shared, b: shared, prompt: long } };
    const yaml = desiredYaml(diffResource(undefined, r).unified);
    expect(yaml).toContain(`  prompt: ${long}`);
    expect(yaml.join("\n")).not.toMatch(/[&*]a\d/);
  });

  it("puts Project outside any project", () => {
    const p: Resource = { apiVersion: API, kind: "Project", metadata: { name: "web" }, spec: {} };
    const d = diffResource(undefined, p);
    expect(d.project).toBe("");
    expect(d.unified).not.toContain("project:");
  });

  it("reports label changes as metadata fields", () => {
    const before = { ...agent("coder"), metadata: { name: "coder", labels: { tier: "1" } } };
    const after = { ...agent("coder"), metadata: { name: "coder", labels: { tier: "2" } } };
    expect(diffResource(before, after).changes).toEqual([
      { path: "metadata.labels.tier", op: "changed", before: "1", after: "2" },
    ]);
  });

  it("labels the two sides live and desired, or as given (two commits)", () => {
    expect(diffResource(agent("a"), agent("a", "echo 2")).unified).toMatch(/^--- live\n\+\+\+ desired\n/);
    const between = diffResource(agent("a"), agent("a", "echo 2"), { fromLabel: "HEAD~1@1a2b3c4d5e6f", toLabel: "HEAD@6f5e4d3c2b1a" });
    expect(between.unified).toMatch(/^--- HEAD~1@1a2b3c4d5e6f\n\+\+\+ HEAD@6f5e4d3c2b1a\n/);
  });

  it("honours the context option", () => {
    const d = diffResource(workflow("echo old"), workflow("echo new"), { context: 0 });
    expect(d.unified.split("\n").filter((l) => l.startsWith(" "))).toEqual([]);
  });

  it("refuses to diff nothing against nothing", () => {
    expect(() => diffResource(undefined, undefined)).toThrow(/neither/);
  });
});
