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

  it("points a missing field at the key of the mapping that should hold it", () => {
    const text = "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: bad\nspec:\n  capabilities: [x]\n";
    const a = parseManifestText(text, "bad.yaml").documents[0]!;
    // spec.command is missing: the `spec:` line, not the first field inside spec.
    expect(a.positionOf(["spec", "command"])).toEqual({ file: "bad.yaml", line: 5, column: 1 });
    expect(a.positionOf(["metadata", "labels", "x"])).toEqual({ file: "bad.yaml", line: 3, column: 1 });
    // A field that exists still points at its value.
    expect(a.positionOf(["spec", "capabilities"])).toEqual({ file: "bad.yaml", line: 6, column: 17 });
    // A missing top-level field: the document.
    expect(a.positionOf(["status"])).toEqual({ file: "bad.yaml", line: 1, column: 1 });
  });

  it("reports an unclosed quote where it opens, not at the end of the file", () => {
    const text = "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: a\nspec:\n  command: \"echo hi\n  capabilities: [x]\n\n\n";
    const r = parseManifestText(text, "f.yaml");
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: "yaml-syntax", position: { file: "f.yaml", line: 6, column: 12 } });
    expect(r.diagnostics[0]!.message).toContain('missing closing " for the double-quoted value that opens here');
    const single = parseManifestText("a: 1\nb: 'x\nc: 2\n", "s.yaml").diagnostics[0]!;
    expect(single.position).toMatchObject({ line: 2, column: 4 });
    expect(single.message).toContain("missing closing '");
  });

  it("reports an unclosed flow sequence or mapping where it opens", () => {
    const seq = parseManifestText("apiVersion: v\nkind: Agent\nspec:\n  capabilities: [a, b\n", "g.yaml").diagnostics[0]!;
    expect(seq).toMatchObject({ code: "yaml-syntax", position: { line: 4, column: 17 } });
    expect(seq.message).toContain("missing closing ] for the flow sequence that opens here");
    // Nested: the innermost unclosed one is the first error.
    const nested = parseManifestText("a: {x: 1, y: [1\nb: 2\n", "n.yaml").diagnostics[0]!;
    expect(nested.position).toMatchObject({ line: 1, column: 14 });
    const map = parseManifestText("a: {x: 1\nb: 2\n", "m.yaml").diagnostics[0]!;
    expect(map.position).toMatchObject({ line: 1, column: 4 });
    expect(map.message).toContain("missing closing } for the flow map");
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
