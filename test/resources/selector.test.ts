import { describe, expect, it } from "vitest";
import { matchesSelector, parseSelector, SelectorError } from "../../src/resources/selector.js";

describe("label selectors", () => {
  const labels = { team: "core", tier: "gold" };
  const m = (s: string, l: Record<string, string> | undefined = labels): boolean => matchesSelector(l, parseSelector(s));

  it("supports =, ==, !=, existence and absence, comma-joined", () => {
    expect(m("team=core")).toBe(true);
    expect(m("team==core")).toBe(true);
    expect(m("team=qa")).toBe(false);
    expect(m("team!=qa")).toBe(true);
    expect(m("missing!=x")).toBe(true);
    expect(m("tier")).toBe(true);
    expect(m("!tier")).toBe(false);
    expect(m("!absent")).toBe(true);
    expect(m("team=core,tier=gold")).toBe(true);
    expect(m("team=core,tier=silver")).toBe(false);
    expect(matchesSelector(undefined, parseSelector("team"))).toBe(false);
  });

  it("rejects malformed selectors", () => {
    expect(() => parseSelector("team=core,")).toThrow(SelectorError);
    expect(() => parseSelector("bad key=x")).toThrow(SelectorError);
  });
});
