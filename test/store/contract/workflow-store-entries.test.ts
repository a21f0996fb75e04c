/**
 * Local WorkflowStore entries, on both stores: what a write returns and
 * keeps, retention (max_entries by the trigger-kept count, a TTL's
 * `notBefore`), expired entries never read back, listing and counting,
 * the summaries per store, a project's entries going with the project,
 * another connection seeing the same entries, and a read-only connection
 * refused with nothing changed.
 */
import { afterEach, expect, it, vi } from "vitest";
import { ReadonlyStoreError } from "../../../src/store/errors.js";
import { openWorkflowStoreEntries } from "../../../src/store/workflow-store-entries.js";
import { describeStores } from "./backends.js";

describeStores("WorkflowStore entries", (b) => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Date.now() at a given time, so updatedAt and TTL cut-offs are exact; timers stay real (the PostgreSQL bridge waits on them). */
  const at = (iso: string): void => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(iso));
  };

  it("keeps max_entries by the count its triggers keep: replacing a value adds nothing, deleting frees room", () => {
    const { store } = b.newStore();
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
    expect(e.deleteEntry("p", "s", "d")).toBe(false);
    expect(e.putEntry("p", "s", "e", "e", keep).pruned).toBe(0);
    expect(e.listEntries("p", "s").map((x) => x.key)).toEqual(["e", "c", "b"]);
    e.deleteProjectEntries("p");
    for (const k of ["a", "b", "c"]) expect(e.putEntry("p", "s", k, k, keep).pruned).toBe(0);
    expect(e.countEntries("p", "s")).toBe(3);
    expect(e.countEntries("q", "s")).toBe(1);
    store.close();
  });

  it("trims on the next write a store that another connection filled past max_entries, and not a store below it", () => {
    const { home, store } = b.newStore();
    const e = openWorkflowStoreEntries(store);
    const keep = { retention: { maxEntries: 3 } };
    expect(e.putEntry("p", "s", "a", "a", keep).pruned).toBe(0);
    // Another writer, keeping no retention, leaves the store one over.
    const other = b.reopen(home);
    for (const k of ["b", "c", "d"]) openWorkflowStoreEntries(other).putEntry("p", "s", k, k);
    other.close();
    expect(e.countEntries("p", "s")).toBe(4);
    // This write sees the store over and takes it back to three, the oldest first.
    expect(e.putEntry("p", "s", "e", "e", keep).pruned).toBe(2);
    expect(e.listEntries("p", "s").map((x) => x.key)).toEqual(["e", "d", "c"]);
    // Well below its max_entries, a store is left as it is.
    expect(e.putEntry("p", "roomy", "a", 1, { retention: { maxEntries: 100 } }).pruned).toBe(0);
    expect(e.putEntry("p", "roomy", "b", 2, { retention: { maxEntries: 100 } }).pruned).toBe(0);
    expect(e.countEntries("p", "roomy")).toBe(2);
    store.close();
  });

  it("removes expired entries on a write only when some have expired, with or without max_entries", () => {
    const { store } = b.newStore();
    const e = openWorkflowStoreEntries(store);
    at("2026-01-01T00:00:00.000Z");
    e.putEntry("p", "s", "old", 1);
    at("2026-01-02T00:00:00.000Z");
    // Nothing older than the cut: nothing removed.
    expect(e.putEntry("p", "s", "new", 2, { retention: { notBefore: "2025-12-31T00:00:00.000Z", maxEntries: 10 } }).pruned).toBe(0);
    expect(e.countEntries("p", "s")).toBe(2);
    // Once the cut passes the old entry, the next write removes it.
    expect(e.putEntry("p", "s", "newer", 3, { retention: { notBefore: "2026-01-01T12:00:00.000Z", maxEntries: 10 } }).pruned).toBe(1);
    expect(e.listEntries("p", "s").map((x) => x.key)).toEqual(["newer", "new"]);
    store.close();
  });

  it("returns what it stored, and a replaced entry keeps its creation time", () => {
    const { store } = b.newStore();
    const e = openWorkflowStoreEntries(store);
    const first = e.putEntry("p", "s", "a", "a", { taskId: "t-1" }).entry;
    expect(first).toEqual(e.getEntry("p", "s", "a"));
    expect(first.taskId).toBe("t-1");
    const again = e.putEntry("p", "s", "a", { n: 1 }, { retention: { maxEntries: 5 } }).entry;
    expect(again).toEqual({ key: "a", value: { n: 1 }, taskId: null, createdAt: first.createdAt, updatedAt: expect.any(String) });
    expect(again).toEqual(e.getEntry("p", "s", "a"));
    expect(e.getEntry("p", "s", "missing")).toBeUndefined();
    store.close();
  });

  it("keeps JSON values as they were written", () => {
    const { store } = b.newStore();
    const e = openWorkflowStoreEntries(store);
    const values = [null, 0, -1.5, true, "", "naïve ✓ \u0000 end", [1, [2, { three: 3 }]], { nested: { list: [], empty: {}, text: "a'b\"c" } }];
    values.forEach((v, i) => e.putEntry("p", "s", `k${i}`, v));
    values.forEach((v, i) => expect(e.getEntry("p", "s", `k${i}`)?.value).toEqual(v));
    store.close();
  });

  it("lists newest first, by task, a page at a time; ties in time go by which key was written first", () => {
    const { store } = b.newStore();
    const e = openWorkflowStoreEntries(store);
    at("2026-01-01T00:00:00.000Z");
    e.putEntry("p", "s", "a", 1, { taskId: "t-1" });
    e.putEntry("p", "s", "b", 2, { taskId: "t-2" });
    at("2026-01-01T00:00:01.000Z");
    e.putEntry("p", "s", "c", 3, { taskId: "t-1" });
    e.putEntry("p", "s", "d", 4, { taskId: "t-1" });
    expect(e.listEntries("p", "s").map((x) => x.key)).toEqual(["d", "c", "b", "a"]);
    expect(e.listEntries("p", "s", { taskId: "t-1" }).map((x) => x.key)).toEqual(["d", "c", "a"]);
    expect(e.listEntries("p", "s", { limit: 2 }).map((x) => x.key)).toEqual(["d", "c"]);
    expect(e.listEntries("p", "s", { limit: 2, offset: 2 }).map((x) => x.key)).toEqual(["b", "a"]);
    expect(e.listEntries("p", "s", { offset: 3 }).map((x) => x.key)).toEqual(["a"]);
    expect(e.listEntries("p", "s", { taskId: "t-1", limit: 1, offset: 1 }).map((x) => x.key)).toEqual(["c"]);
    expect(e.listEntries("p", "nothing")).toEqual([]);
    store.close();
  });

  it("never reads back an entry updated before notBefore, and prune removes them (TTL), then the oldest beyond max_entries", () => {
    const { store } = b.newStore();
    const e = openWorkflowStoreEntries(store);
    at("2026-01-01T00:00:00.000Z");
    e.putEntry("p", "s", "old", "o");
    at("2026-01-02T00:00:00.000Z");
    for (const k of ["n1", "n2", "n3"]) e.putEntry("p", "s", k, k);
    const cut = "2026-01-01T12:00:00.000Z";
    expect(e.getEntry("p", "s", "old", cut)).toBeUndefined();
    expect(e.getEntry("p", "s", "old")?.value).toBe("o");
    expect(e.countEntries("p", "s", cut)).toBe(3);
    expect(e.countEntries("p", "s")).toBe(4);
    expect(e.listEntries("p", "s", { notBefore: cut }).map((x) => x.key)).toEqual(["n3", "n2", "n1"]);

    // The expired entry first, then the oldest of what is left: max_entries 2 keeps n2 and n3.
    expect(e.pruneEntries("p", "s", { notBefore: cut, maxEntries: 2 })).toBe(2);
    expect(e.listEntries("p", "s").map((x) => x.key)).toEqual(["n3", "n2"]);
    expect(e.pruneEntries("p", "s", { notBefore: cut, maxEntries: 2 })).toBe(0);

    // A write with a TTL removes what expired before it, in the same call.
    at("2026-01-03T00:00:00.000Z");
    expect(e.putEntry("p", "s", "fresh", 1, { retention: { notBefore: "2026-01-02T12:00:00.000Z" } }).pruned).toBe(2);
    expect(e.listEntries("p", "s").map((x) => x.key)).toEqual(["fresh"]);
    store.close();
  });

  it("summarises a project's stores, and removes a project's entries with the project", () => {
    const { store } = b.newStore();
    const e = openWorkflowStoreEntries(store);
    at("2026-01-01T00:00:00.000Z");
    e.putEntry("alpha", "b-store", "k", 1);
    at("2026-01-01T00:00:02.000Z");
    e.putEntry("alpha", "a-store", "k1", 1);
    e.putEntry("alpha", "a-store", "k2", 2);
    e.putEntry("beta", "a-store", "k", 1);
    expect(e.listStores("alpha")).toEqual([
      { store: "a-store", entries: 2, updatedAt: "2026-01-01T00:00:02.000Z" },
      { store: "b-store", entries: 1, updatedAt: "2026-01-01T00:00:00.000Z" },
    ]);
    expect(e.listStores("nobody")).toEqual([]);

    vi.useRealTimers();
    expect(store.deleteProject("alpha", "bob")).toBe(0);
    expect(store.listEvents({ type: "project_deleted" })[0]?.data).toEqual({ resources: 0, storeEntries: 3 });
    expect(e.listStores("alpha")).toEqual([]);
    expect(e.listEntries("beta", "a-store").map((x) => x.key)).toEqual(["k"]);
    // The count its triggers keep went down with the rows: a new store starts empty.
    expect(e.putEntry("alpha", "a-store", "k", 1, { retention: { maxEntries: 1 } }).pruned).toBe(0);
    expect(e.deleteProjectEntries("beta")).toBe(1);
    store.close();
  });

  it("is the same store from another connection, and a read-only one is refused every write with nothing changed", () => {
    const { home, store } = b.newStore();
    const e = openWorkflowStoreEntries(store);
    e.putEntry("p", "s", "a", { v: 1 }, { taskId: "t-1" });
    const other = b.reopen(home);
    expect(openWorkflowStoreEntries(other).getEntry("p", "s", "a")).toEqual(e.getEntry("p", "s", "a"));
    openWorkflowStoreEntries(other).putEntry("p", "s", "b", 2);
    expect(e.listEntries("p", "s").map((x) => x.key)).toEqual(["b", "a"]);
    other.close();

    const reader = b.reopen(home, { readonly: true });
    const r = openWorkflowStoreEntries(reader);
    expect(r.getEntry("p", "s", "a")?.value).toEqual({ v: 1 });
    expect(r.countEntries("p", "s")).toBe(2);
    expect(() => r.putEntry("p", "s", "c", 3)).toThrow(ReadonlyStoreError);
    expect(() => r.deleteEntry("p", "s", "a")).toThrow(ReadonlyStoreError);
    expect(() => r.pruneEntries("p", "s", { maxEntries: 0 })).toThrow(ReadonlyStoreError);
    expect(() => r.deleteProjectEntries("p")).toThrow(ReadonlyStoreError);
    reader.close();
    expect(e.listEntries("p", "s").map((x) => x.key)).toEqual(["b", "a"]);
    store.close();
  });
});
