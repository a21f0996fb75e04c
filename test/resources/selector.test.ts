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

describe("set-based label selectors", () => {
  const labels = { env: "prod", tier: "gold" };
  const m = (s: string, l: Record<string, string> = labels): boolean => matchesSelector(l, parseSelector(s));

  it("supports in, notin, exists and !key, joined with equality requirements", () => {
    expect(m("env in (prod,staging)")).toBe(true);
    expect(m("env in (dev)")).toBe(false);
    expect(m("env notin (dev, staging)")).toBe(true);
    expect(m("missing notin (a)")).toBe(true);
    expect(m("missing in (a)")).toBe(false);
    expect(m("env in (prod),tier=gold,!absent")).toBe(true);
    expect(m("env in (prod),tier notin (gold)")).toBe(false);
  });

  it("rejects malformed set requirements", () => {
    expect(() => parseSelector("env in (a")).toThrow(SelectorError);
    expect(() => parseSelector("env in ()")).toThrow(SelectorError);
    expect(() => parseSelector("env in a,b")).toThrow(SelectorError);
  });
});
