import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/store/canonical.js";

describe("canonicalJson", () => {
  it("sorts object keys recursively, whatever the insertion order", () => {
    const a = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" } };
    const b = { a: { c: "x", d: [3, { y: 2, z: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it("keeps array order, since order in a list is meaning", () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it("drops undefined members and writes non-finite numbers as null, like JSON.stringify", () => {
    expect(canonicalJson({ a: undefined, b: Number.NaN, c: [undefined] })).toBe('{"b":null,"c":[null]}');
  });

  it("escapes keys and strings as JSON does", () => {
    const v = { 'q"k': 'line\nbreak "x"' };
    expect(JSON.parse(canonicalJson(v))).toEqual(v);
  });

  it("rejects cycles instead of overflowing the stack", () => {
    const v: Record<string, unknown> = {};
    v.self = v;
    expect(() => canonicalJson(v)).toThrow(/cycle/);
  });

  it("allows the same object twice when it is not a cycle", () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});
