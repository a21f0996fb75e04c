import { describe, expect, it } from "vitest";
import { evaluateJsonPath, JsonPathError, parseJsonPath } from "../../../src/engine/captures/json-path.js";
import type { JsonValue } from "../../../src/resources/types.js";

describe("JSONPath subset", () => {
  const doc: JsonValue = { a: { b: [10, 20, { c: "x" }] }, "odd key": true, list: [{ id: 1 }, { id: 2 }, { other: 3 }] };

  it("walks names, bracketed names, indexes and negative indexes", () => {
    expect(evaluateJsonPath(doc, "$.a.b[1]")).toEqual({ found: true, value: 20 });
    expect(evaluateJsonPath(doc, "$.a.b[-1].c")).toEqual({ found: true, value: "x" });
    expect(evaluateJsonPath(doc, "$['odd key']")).toEqual({ found: true, value: true });
    expect(evaluateJsonPath(doc, "a.b[0]")).toEqual({ found: true, value: 10 });
    expect(evaluateJsonPath(doc, "$")).toEqual({ found: true, value: doc });
  });

  it("maps wildcards over elements, skipping those without the rest of the path", () => {
    expect(evaluateJsonPath(doc, "$.list[*].id")).toEqual({ found: true, value: [1, 2] });
    expect(evaluateJsonPath(doc, "$.list.*.other")).toEqual({ found: true, value: [3] });
  });

  it("reports missing segments as not found", () => {
    expect(evaluateJsonPath(doc, "$.a.b[9]")).toEqual({ found: false });
    expect(evaluateJsonPath(doc, "$.a.zzz")).toEqual({ found: false });
    expect(evaluateJsonPath(doc, "$.a.b.c")).toEqual({ found: false });
  });

  it("rejects what it does not support", () => {
    for (const p of ["$..a", "$.a[?(@.x)]", "$.a[0:2]", "$.a[", "$.a."]) {
      expect(() => parseJsonPath(p), p).toThrow(JsonPathError);
    }
  });
});
