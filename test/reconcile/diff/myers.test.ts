import { describe, expect, it } from "vitest";
import { diffSequences, type Edit } from "../../../src/reconcile/diff/myers.js";

/** Small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function lcsLength(a: readonly string[], b: readonly string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
    }
  }
  return dp[0]![0]!;
}

/** Replays the script: every `a` item is kept or deleted in order, every `b` item kept or inserted in order. */
function replay(a: readonly string[], b: readonly string[], edits: readonly Edit[]): string[] {
  const out: string[] = [];
  let ai = 0;
  let bi = 0;
  for (const e of edits) {
    if (e.op === "equal") {
      expect([e.aIndex, e.bIndex]).toEqual([ai, bi]);
      expect(a[ai]).toBe(b[bi]);
      out.push(a[ai]!);
      ai++;
      bi++;
    } else if (e.op === "delete") {
      expect(e.aIndex).toBe(ai);
      ai++;
    } else {
      expect(e.bIndex).toBe(bi);
      out.push(b[bi]!);
      bi++;
    }
  }
  expect([ai, bi]).toEqual([a.length, b.length]);
  return out;
}

describe("diffSequences", () => {
  it("handles empty sides", () => {
    expect(diffSequences([], [])).toEqual([]);
    expect(diffSequences(["x"], []).map((e) => e.op)).toEqual(["delete"]);
    expect(diffSequences([], ["x", "y"]).map((e) => e.op)).toEqual(["insert", "insert"]);
  });

  it("produces a valid and minimal script for random sequences", () => {
    const next = rng(42);
    for (let round = 0; round < 300; round++) {
      const gen = (): string[] => Array.from({ length: Math.floor(next() * 14) }, () => "abcd"[Math.floor(next() * 4)]!);
      const a = gen();
      const b = gen();
      const edits = diffSequences(a, b);
      expect(replay(a, b, edits)).toEqual(b);
      // Minimal: the kept items form a longest common subsequence.
      expect(edits.filter((e) => e.op === "equal").length).toBe(lcsLength(a, b));
    }
  });

  it("lists deletions before insertions within a changed run", () => {
    const ops = diffSequences(["a", "x", "y", "b"], ["a", "p", "q", "b"]).map((e) => e.op);
    expect(ops).toEqual(["equal", "delete", "delete", "insert", "insert", "equal"]);
  });

  it("uses the given equality", () => {
    const ops = diffSequences(["A", "b"], ["a", "B"], (x, y) => x.toLowerCase() === y.toLowerCase()).map((e) => e.op);
    expect(ops).toEqual(["equal", "equal"]);
  });
});
