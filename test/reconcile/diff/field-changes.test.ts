import { describe, expect, it } from "vitest";
import { fieldChanges, formatFieldPath, jsonEqual } from "../../../src/reconcile/diff/field-changes.js";

describe("fieldChanges", () => {
  it("reports nested changes by path, with before and after", () => {
    const before = { spec: { steps: [{ id: "a", command: "x" }, { id: "b", command: "old" }] } };
    const after = { spec: { steps: [{ id: "a", command: "x" }, { id: "b", command: "new" }] } };
    expect(fieldChanges(before, after)).toEqual([
      { path: "spec.steps[1].command", op: "changed", before: "old", after: "new" },
    ]);
  });

  it("reports added and removed fields", () => {
    expect(fieldChanges({ spec: { a: 1, gone: { x: 1 } } }, { spec: { a: 1, added: [1, 2] } })).toEqual([
      { path: "spec.added", op: "added", after: [1, 2] },
      { path: "spec.gone", op: "removed", before: { x: 1 } },
    ]);
  });

  it("reports a change of type as one change at that path", () => {
    expect(fieldChanges({ spec: { v: { a: 1 } } }, { spec: { v: "flat" } })).toEqual([
      { path: "spec.v", op: "changed", before: { a: 1 }, after: "flat" },
    ]);
  });

  it("aligns list items: a step inserted at the top is one addition, not every step changed", () => {
    const steps = [{ id: "a" }, { id: "b" }, { id: "c" }];
    expect(fieldChanges({ steps }, { steps: [{ id: "new" }, ...steps] })).toEqual([
      { path: "steps[0]", op: "added", after: { id: "new" } },
    ]);
    expect(fieldChanges({ steps }, { steps: [steps[0]!, steps[2]!] })).toEqual([
      { path: "steps[1]", op: "removed", before: { id: "b" } },
    ]);
  });

  it("pairs a replaced list item with its successor and compares them field by field", () => {
    const before = { steps: [{ id: "a", t: 1 }, { id: "b", t: 1 }, { id: "c", t: 1 }] };
    const after = { steps: [{ id: "a", t: 1 }, { id: "b", t: 2 }, { id: "c", t: 1 }] };
    expect(fieldChanges(before, after)).toEqual([{ path: "steps[1].t", op: "changed", before: 1, after: 2 }]);
  });

  it("ignores key order and reports nothing for equal values", () => {
    expect(fieldChanges({ a: 1, b: { c: [1, { d: null }] } }, { b: { c: [1, { d: null }] }, a: 1 })).toEqual([]);
  });

  it("quotes keys that are not identifiers", () => {
    expect(fieldChanges({ labels: { "app.io/name": "x" } }, { labels: { "app.io/name": "y" } })[0]?.path).toBe(
      'labels["app.io/name"]',
    );
    expect(formatFieldPath(["spec", "steps", 2, "timeout_secs"])).toBe("spec.steps[2].timeout_secs");
  });
});

describe("jsonEqual", () => {
  it("distinguishes arrays from objects, null from missing, and order in arrays", () => {
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ 0: 1 }, [1])).toBe(false);
    expect(jsonEqual({ a: null }, {})).toBe(false);
    expect(jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
  });
});
