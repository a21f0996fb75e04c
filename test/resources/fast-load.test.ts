import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { documentSpans, loadDocument } from "../../src/resources/fast-load.js";
import { parseManifestText } from "../../src/resources/parse.js";

/** What yaml itself makes of a text (the meaning js-yaml must agree with). */
const yamlValue = (text: string): unknown => parseAllDocuments(text)[0]?.toJS();

describe("reading documents with js-yaml", () => {
  it("types plain scalars exactly as yaml's core schema does", () => {
    const scalars = ["1", "-0", "+12", "09", "0o17", "0x1F", "0b101", "+0x1", "1_000", "1e3", "1.", ".5", "-.5", ".inf", "-.Inf", ".NaN", "true", "True", "yes", "on", "~", "null", "NULL", "", "2024-01-01", "1:20", "0.1e-2"];
    for (const s of scalars) {
      const loaded = loadDocument(`v: ${s}\n`);
      expect("value" in loaded, s).toBe(true);
      expect((loaded as { value: { v: unknown } }).value.v, s).toEqual((yamlValue(`v: ${s}\n`) as { v: unknown }).v);
    }
  });

  it("leaves to yaml what it might read differently or must bound: anchors, tags, complex keys", () => {
    for (const text of ["a: &x 1\nb: *x\n", "a: !!float 1\n", "a: !custom x\n", "? [a, b]\n: 1\n", "[a, b]: 1\n"]) expect(loadDocument(text), text).toEqual({ needsYaml: true });
    expect(loadDocument("cmd: a && b 2>&1\n")).toEqual({ value: { cmd: "a && b 2>&1" } });
  });

  it("splits a file at --- lines, and leaves files with directives or ... to yaml whole", () => {
    const text = "# head\n---\na: 1\n---\nb: |\n  x\n---\n";
    expect(documentSpans(text)!.map((s) => [s.line, text.slice(s.start, s.end)])).toEqual([
      [1, "# head\n"],
      [2, "---\na: 1\n"],
      [4, "---\nb: |\n  x\n"],
      [7, "---\n"],
    ]);
    expect(documentSpans("%YAML 1.2\n---\na: 1\n")).toBeUndefined();
    expect(documentSpans("a: 1\n...\n")).toBeUndefined();
  });

  it("gives the documents, positions and errors yaml would give", () => {
    const text = "# comment\n---\napiVersion: v\nkind: A\nmetadata:\n  name: a\n---\n\n# c\nkind: B\nmetadata:\n  name: b\nspec:\n  steps:\n    - id: x\n      timeout_secs: 3\n---\nkind: C\nkind: D\n";
    const r = parseManifestText(text, "f.yaml");
    expect(r.documents.map((d) => [d.resource.kind, d.index, d.position.line, d.position.column])).toEqual([
      ["A", 0, 3, 1],
      ["B", 1, 10, 1],
    ]);
    expect(r.documents[1]!.positionOf(["spec", "steps", 0, "timeout_secs"])).toEqual({ file: "f.yaml", line: 16, column: 21 });
    expect(r.diagnostics.map((d) => [d.code, d.position?.line])).toEqual([["yaml-syntax", 19]]);
  });
});
