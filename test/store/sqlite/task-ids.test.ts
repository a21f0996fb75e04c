import { describe, expect, it } from "vitest";
import { idGenerator } from "../../../src/store/sqlite/task-ids.js";

describe("idGenerator", () => {
  it("makes short ids with the kind prefix, fixed width, strictly increasing within a millisecond", () => {
    const gen = idGenerator(() => 1_700_000_000_000);
    const ids = Array.from({ length: 1000 }, () => gen.next("t"));
    for (const id of ids) expect(id).toMatch(/^t-[0-9a-z]{14}$/);
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
    expect(gen.next("r")).toMatch(/^r-/);
  });

  it("sorts by time across milliseconds and keeps increasing when the clock steps back", () => {
    let now = 1_700_000_000_000;
    const gen = idGenerator(() => now);
    const a = gen.next("i");
    now += 1;
    const b = gen.next("i");
    now -= 500;
    const c = gen.next("i");
    expect([a, b, c].sort()).toEqual([a, b, c]);
    expect(b.slice(2, 10)).toBe((1_700_000_000_001).toString(36));
  });

  it("two generators (two processes) in the same millisecond still make different ids", () => {
    const ids = new Set<string>();
    for (let g = 0; g < 50; g++) {
      const gen = idGenerator(() => 1_700_000_000_000);
      ids.add(gen.next("t"));
    }
    expect(ids.size).toBe(50);
  });
});
