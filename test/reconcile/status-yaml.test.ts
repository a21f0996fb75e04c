import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { statusYaml } from "../../src/reconcile/status-yaml.js";

describe("statusYaml", () => {
  it("writes YAML that reads back as the same value", () => {
    const value = {
      kind: "Agent",
      metadata: { name: "a.b-c", "odd key": "x: y # z" },
      status: {
        generation: 2,
        flag: true,
        none: null,
        words: ["yes", "no", "true", "1.0", "", "multi\nline", "ünïcode"],
        conditions: [{ type: "Ready", status: "True", nested: { list: [] , map: {} } }],
        empty: [],
      },
    };
    expect(parse(statusYaml(value))).toEqual(value);
  });
});
