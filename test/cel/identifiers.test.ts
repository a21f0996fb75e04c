import { describe, expect, it } from "vitest";
import { celVariables } from "../../src/cel/identifiers.js";

describe("celVariables", () => {
  it("lists the top-level variables an expression reads", () => {
    expect(celVariables("is_last_cycle && qa_file_path in regression_target_ids")).toEqual(["is_last_cycle", "qa_file_path", "regression_target_ids"]);
  });

  it("reads only the root of a member access", () => {
    expect(celVariables("steps.qa.exit_code == 0 && self.prompts.size() > 0")).toEqual(["steps", "self"]);
  });

  it("ignores names bound by macros and cel.bind", () => {
    expect(celVariables("items.exists(x, x > limit)")).toEqual(["items", "limit"]);
    expect(celVariables("m.all(k, v, v > 0)")).toEqual(["m"]);
    expect(celVariables("xs.map(x, x * factor)")).toEqual(["xs", "factor"]);
    expect(celVariables("cel.bind(n, size(xs), n > min)")).toEqual(["xs", "min"]);
  });

  it("ignores type names, function names and string contents", () => {
    expect(celVariables("type(a) == int && size(b) > 0 && c.startsWith(\"d e f\")")).toEqual(["a", "b", "c"]);
    expect(celVariables("has(obj.field)")).toEqual(["obj"]);
  });

  it("returns undefined for an expression that does not parse", () => {
    expect(celVariables("a &&")).toBeUndefined();
  });
});
