import { describe, expect, it } from "vitest";
import { JsonPathError, parseJsonPath } from "../../../src/cli/output/jsonpath.js";
import type { JsonValue } from "../../../src/resources/types.js";

const list: JsonValue = {
  kind: "List",
  items: [
    { metadata: { name: "a", labels: { "app.kubernetes.io/name": "x", tier: "gold" } }, spec: { n: 3, caps: ["p", "q"] }, status: { phase: "Running" } },
    { metadata: { name: "b", labels: {} }, spec: { n: 1, caps: [] }, status: { phase: "Failed" } },
    { metadata: { name: "c" }, spec: { n: 2, caps: ["r"] } },
  ],
};
const render = (t: string, data: JsonValue = list): string => parseJsonPath(t).render(data);

describe("kubectl JSONPath templates", () => {
  it("selects fields, wildcards, indexes, slices and unions; several results joined by spaces", () => {
    expect(render("{.items[*].metadata.name}")).toBe("a b c");
    expect(render("{.items[0].metadata.name}")).toBe("a");
    expect(render("{.items[-1].metadata.name}")).toBe("c");
    expect(render("{.items[0:2].metadata.name}")).toBe("a b");
    expect(render("{.items[0,2].metadata.name}")).toBe("a c");
    expect(render("{.items[0]['metadata']['name']}")).toBe("a");
    expect(render("{$.kind}")).toBe("List");
    expect(render("{.items[*].spec.caps[*]}")).toBe("p q r");
  });

  it("prints objects and numbers as JSON, and nothing for a missing key", () => {
    expect(render("{.items[1].spec}")).toBe('{"n":1,"caps":[]}');
    expect(render("{.items[0].spec.n}")).toBe("3");
    expect(render("{.items[2].status.phase}")).toBe("");
    expect(render("{.nothing.here}")).toBe("");
  });

  it("takes text around actions, string literals and range/end, as kubectl templates do", () => {
    expect(render('{range .items[*]}{.metadata.name}{"\\t"}{.spec.n}{"\\n"}{end}')).toBe("a\t3\nb\t1\nc\t2\n");
    expect(render("names: {.items[*].metadata.name}!")).toBe("names: a b c!");
  });

  it("filters with comparisons and existence, and finds keys anywhere with ..", () => {
    expect(render('{.items[?(@.status.phase=="Failed")].metadata.name}')).toBe("b");
    expect(render("{.items[?(@.spec.n > 1)].metadata.name}")).toBe("a c");
    expect(render("{.items[?(@.status)].metadata.name}")).toBe("a b");
    expect(render("{..phase}")).toBe("Running Failed");
    expect(render("{.items[0].metadata.labels.app\\.kubernetes\\.io/name}")).toBe("x");
  });

  it("relaxed form for --sort-by and custom-columns, and values for them", () => {
    expect(parseJsonPath(".metadata.name", { relaxed: true }).values({ metadata: { name: "z" } })).toEqual(["z"]);
    expect(parseJsonPath("metadata.name", { relaxed: true }).values({ metadata: { name: "z" } })).toEqual(["z"]);
  });

  it("refuses what it cannot read, with the place", () => {
    expect(() => parseJsonPath("{.items[*]")).toThrow(JsonPathError);
    expect(() => parseJsonPath("{range .items[*]}{.a}")).toThrow(/without \{end\}/);
    expect(() => parseJsonPath("{.a}{end}")).toThrow(/without \{range\}/);
    expect(() => parseJsonPath("{.items[x]}")).toThrow(/not a whole number/);
  });
});
