import { describe, expect, it } from "vitest";
import { parseManifestText } from "../../src/resources/parse.js";

const TWO = `# leading comment
apiVersion: orchestrator.dev/v2
kind: Agent
metadata:
  name: a
spec:
  capabilities: [x]
  command: echo a
---
# a document of comments only is skipped
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: w
spec:
  steps:
    - id: one
      command: echo 1
    - id: two
      timeout_secs: "soon"
`;

describe("parseManifestText", () => {
  it("parses every document of a multi-document file and skips empty ones", () => {
    const r = parseManifestText(TWO, "two.yaml");
    expect(r.diagnostics).toEqual([]);
    expect(r.documents.map((d) => `${d.resource.kind}/${d.resource.metadata.name}`)).toEqual(["Agent/a", "Workflow/w"]);
    expect(r.documents[1]!.index).toBe(2);
  });

  it("points at any field by path, 1-based line and column", () => {
    const w = parseManifestText(TWO, "two.yaml").documents[1]!;
    expect(w.position).toEqual({ file: "two.yaml", line: 12, column: 1 });
    expect(w.positionOf(["spec", "steps", 1, "timeout_secs"])).toEqual({ file: "two.yaml", line: 21, column: 21 });
    expect(w.positionOf(["metadata", "name"])).toEqual({ file: "two.yaml", line: 15, column: 9 });
  });

  it("falls back to the nearest existing ancestor for a missing path", () => {
    const w = parseManifestText(TWO, "two.yaml").documents[1]!;
    expect(w.positionOf(["spec", "steps", 0, "nope", "deeper"])).toEqual({ file: "two.yaml", line: 18, column: 7 });
  });

  it("reports YAML syntax errors with line and column", () => {
    const r = parseManifestText("apiVersion: v\nkind: [unclosed\n", "bad.yaml");
    expect(r.documents).toEqual([]);
    expect(r.diagnostics[0]!.code).toBe("yaml-syntax");
    expect(r.diagnostics[0]!.position!.file).toBe("bad.yaml");
    expect(r.diagnostics[0]!.position!.line).toBeGreaterThanOrEqual(2);
  });

  it("rejects documents that are not mappings", () => {
    const r = parseManifestText("- a\n- b\n", "list.yaml");
    expect(r.diagnostics).toMatchObject([{ code: "not-mapping", position: { line: 1, column: 1 } }]);
  });

  it("reports a file with no documents as empty", () => {
    expect(parseManifestText("", "e.yaml").diagnostics).toMatchObject([{ code: "empty" }]);
    expect(parseManifestText("# only a comment\n", "e.yaml").diagnostics).toMatchObject([{ code: "empty" }]);
  });

  it("rejects duplicate keys in a mapping", () => {
    const r = parseManifestText("kind: Agent\nkind: Workflow\n", "d.yaml");
    expect(r.diagnostics[0]!.code).toBe("yaml-syntax");
  });

  it("expands a kind: List into its items with positions inside the list", () => {
    const text = JSON.stringify(
      { apiVersion: "orchestrator.dev/v2", kind: "List", items: [{ apiVersion: "orchestrator.dev/v2", kind: "Agent", metadata: { name: "a" }, spec: {} }] },
      null,
      2,
    );
    const r = parseManifestText(text, "l.json");
    expect(r.documents.map((d) => d.resource.metadata.name)).toEqual(["a"]);
    expect(r.documents[0]!.positionOf(["metadata", "name"]).line).toBe(9);
  });
});
