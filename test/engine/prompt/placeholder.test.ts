import { describe, expect, it } from "vitest";
import { placeholderAt, placeholderNames } from "../../../src/engine/prompt/placeholder.js";

describe("placeholders", () => {
  it("lists placeholder names once each", () => {
    expect(placeholderNames("{a} {b.c} {a} ${d} {e-f}")).toEqual(["a", "b.c", "e-f"]);
  });

  it("are {name} with a letter or _ first, never ${name}", () => {
    expect(placeholderAt("{goal}", 0)).toEqual({ name: "goal", end: 6 });
    expect(placeholderAt("${goal}", 1)).toBeUndefined();
    expect(placeholderAt("{1x}", 0)).toBeUndefined();
    expect(placeholderAt('{"a":1}', 0)).toBeUndefined();
    expect(placeholderAt("{qa_doc_gen_output}", 0)?.name).toBe("qa_doc_gen_output");
  });
});
