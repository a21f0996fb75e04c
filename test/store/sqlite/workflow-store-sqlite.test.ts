import { afterAll, describe, expect, it } from "vitest";
import { openWorkflowStoreEntries } from "../../../src/store/workflow-store-entries.js";
import { newStore, removeTempDirs } from "../helpers.js";

afterAll(removeTempDirs);

describe("local workflow store entries", () => {
  it("keeps max_entries by the count its triggers keep: replacing a value adds nothing, deleting frees room", () => {
    const { store } = newStore();
    const e = openWorkflowStoreEntries(store);
    const keep = { retention: { maxEntries: 3 } };
    for (const k of ["a", "b", "c"]) e.putEntry("p", "s", k, k, keep);
    // Replacing values leaves three entries: nothing is trimmed.
    for (const k of ["a", "b", "c"]) expect(e.putEntry("p", "s", k, `${k}2`, keep).pruned).toBe(0);
    expect(e.listEntries("p", "s").map((x) => x.key)).toEqual(["c", "b", "a"]);
    // A fourth key removes the oldest.
    expect(e.putEntry("p", "s", "d", "d", keep).pruned).toBe(1);
    expect(e.listEntries("p", "s").map((x) => x.key)).toEqual(["d", "c", "b"]);
    // Another store, and another project, count apart.
    e.putEntry("p", "other", "x", 1, keep);
    e.putEntry("q", "s", "x", 1, keep);
    expect(e.deleteEntry("p", "s", "d")).toBe(true);
    expect(e.putEntry("p", "s", "e", "e", keep).pruned).toBe(0);
    expect(e.listEntries("p", "s").map((x) => x.key)).toEqual(["e", "c", "b"]);
    e.deleteProjectEntries("p");
    for (const k of ["a", "b", "c"]) expect(e.putEntry("p", "s", k, k, keep).pruned).toBe(0);
    expect(e.countEntries("p", "s")).toBe(3);
    expect(e.countEntries("q", "s")).toBe(1);
  });

  it("returns what it stored, and a replaced entry keeps its creation time", () => {
    const { store } = newStore();
    const e = openWorkflowStoreEntries(store);
    const first = e.putEntry("p", "s", "a", "a", { taskId: "t-1" }).entry;
    expect(first).toEqual(e.getEntry("p", "s", "a"));
    const again = e.putEntry("p", "s", "a", { n: 1 }, { retention: { maxEntries: 5 } }).entry;
    expect(again).toEqual({ key: "a", value: { n: 1 }, taskId: null, createdAt: first.createdAt, updatedAt: expect.any(String) });
    expect(again).toEqual(e.getEntry("p", "s", "a"));
  });
});
