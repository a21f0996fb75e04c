import { describe, expect, it } from "vitest";
import { renderTemplate } from "../../../src/engine/prompt/render.js";

describe("renderTemplate", () => {
  it("fills placeholders and leaves unknown ones and JSON braces as written", () => {
    const r = renderTemplate('Goal: {goal}. Keep {unknown} and {"a": 1} and { spaced }. Again {goal}.', { goal: "ship" });
    expect(r.text).toBe('Goal: ship. Keep {unknown} and {"a": 1} and { spaced }. Again ship.');
    expect(r.unresolved).toEqual(["unknown"]);
  });

  it("never re-scans a value", () => {
    expect(renderTemplate("{a}", { a: "{b}", b: "no" }).text).toBe("{b}");
  });
});
