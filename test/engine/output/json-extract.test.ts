import { describe, expect, it } from "vitest";
import { jsonValuesIn, lastJsonValue } from "../../../src/engine/output/json-extract.js";

describe("jsonValuesIn", () => {
  it("returns the whole text when it is JSON", () => {
    expect(jsonValuesIn('  [1, {"a": 2}]  ')).toEqual([[1, { a: 2 }]]);
  });

  it("prefers fenced blocks, bare ``` included, over prose", () => {
    expect(jsonValuesIn('x {"a":1} y\n```\n{"b":2}\n```\n```json\n{"c":3}\n```')).toEqual([{ b: 2 }, { c: 3 }]);
  });

  it("lists top-level embedded values in order, not their nested parts", () => {
    const text = 'Summary: {"status": "ok"}\n\nDetails:\n{"targets": [{"id": "t-1"}, {"id": "t-2"}]}\n\nFooter: {"ts": "2026"} and [1,2]';
    expect(jsonValuesIn(text)).toEqual([{ status: "ok" }, { targets: [{ id: "t-1" }, { id: "t-2" }] }, { ts: "2026" }, [1, 2]]);
  });

  it("skips brackets that are not JSON and keeps scanning", () => {
    expect(jsonValuesIn('see [link] and {not json} then {"ok": true}')).toEqual([{ ok: true }]);
  });
});

describe("lastJsonValue", () => {
  it("returns the last value the predicate accepts", () => {
    const text = '{"targets": [1]} then {"ts": 1}';
    expect(lastJsonValue(text)).toEqual({ ts: 1 });
    expect(lastJsonValue(text, (v) => typeof v === "object" && v !== null && "targets" in v)).toEqual({ targets: [1] });
    expect(lastJsonValue("no json here")).toBeUndefined();
  });
});
