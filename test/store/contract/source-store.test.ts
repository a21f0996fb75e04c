import { describe, expect, it } from "vitest";
import { sourceStoreOf } from "../../../src/store/source-store.js";
import { describeStores } from "./backends.js";

describeStores("SourceStore", (b) => {
const newStore = b.newStore;

const spec = (name: string) => ({ name, type: "dir" as const, dir: name, intervalMs: 60_000, project: "default", prune: true });
const key = (name: string) => ({ project: "default", kind: "Agent", name });

function withAgent(name: string, appliedBy: string) {
  const { home, store } = newStore();
  store.commit(
    [{ op: "create", resource: { apiVersion: "orchestrator.dev/v2", kind: "Agent", metadata: { name, project: "default" }, spec: { command: "echo" }, hash: "h1", origin: { appliedBy, file: "a.yaml", line: 3, commit: "c".repeat(40) } } }],
    appliedBy,
  );
  return { home, store, sources: sourceStoreOf(store) };
}

describe("ownership", () => {
  it("keeps whether an inventory entry was adopted, and updates it", () => {
    const { store, sources } = withAgent("a", "cli");
    sources.addSource(spec("one"));
    sources.updateInventory("one", { upsert: [{ ...key("a"), hash: "h1", adopted: true }, { ...key("b"), hash: "h2" }], remove: [] });
    expect(sources.getInventory("one").sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { ...key("a"), hash: "h1", adopted: true },
      { ...key("b"), hash: "h2", adopted: false },
    ]);
    sources.updateInventory("one", { upsert: [{ ...key("a"), hash: "h3", adopted: false }], remove: [key("b")] });
    expect(sources.getInventory("one")).toEqual([{ ...key("a"), hash: "h3", adopted: false }]);
    store.close();
  });

  it("finds the other source whose inventory holds a resource", () => {
    const { store, sources } = withAgent("a", "source:one");
    sources.addSource(spec("one"));
    sources.addSource(spec("two"));
    sources.updateInventory("one", { upsert: [{ ...key("a"), hash: "h1" }], remove: [] });
    expect(sources.inventoryClaimant(key("a"), "two")).toBe("one");
    expect(sources.inventoryClaimant(key("a"), "one")).toBeUndefined();
    expect(sources.inventoryClaimant(key("zzz"), "two")).toBeUndefined();
    // Removing the source removes its claim.
    sources.removeSource("one");
    expect(sources.inventoryClaimant(key("a"), "two")).toBeUndefined();
    store.close();
  });

  it("releases a resource to another applier without touching its content, only from the applier named", () => {
    const { store, sources } = withAgent("a", "source:one");
    const before = store.getResource(key("a"))!;
    const version = store.resourcesVersion();
    expect(sources.releaseResource(key("a"), "source:other", "cli")).toBe(false);
    expect(store.getResource(key("a"))!.origin.appliedBy).toBe("source:one");
    expect(sources.releaseResource(key("a"), "source:one", "cli")).toBe(true);
    const after = store.getResource(key("a"))!;
    expect(after.origin).toEqual({ appliedBy: "cli" });
    expect([after.spec, after.hash, after.generation]).toEqual([before.spec, before.hash, before.generation]);
    // A change of applier is a change a source's next pass must look at.
    expect(store.resourcesVersion()).toBeGreaterThan(version);
    expect(sources.releaseResource(key("missing"), "source:one", "cli")).toBe(false);
    store.close();
  });
});

describe("sources are Source resources", () => {
  it("addSource commits a Source applied by cli; a suspension and the status live in its status, and a status write keeps the suspension", () => {
    const { store, sources } = withAgent("a", "cli");
    sources.addSource({ ...spec("one"), intervalMs: 30_000, prune: false });
    const r = store.getResource({ project: "", kind: "Source", name: "one" })!;
    expect(r).toMatchObject({ kind: "Source", metadata: { name: "one", project: "" }, spec: { dir: "one", interval: "30s", prune: false }, origin: { appliedBy: "cli" }, generation: 1 });
    expect(sources.getSource("one")).toMatchObject({ name: "one", type: "dir", dir: "one", intervalMs: 30_000, prune: false, suspend: false, appliedBy: "cli" });
    expect(() => sources.addSource(spec("one"))).toThrow(/already exists/);

    expect(sources.setSuspension("one", { time: "t", by: "me" })).toBe(true);
    sources.setSourceStatus("one", { ...sources.getSource("one")!.status, lastAppliedRevision: "sha256:x" });
    expect(sources.getSource("one")!.status).toMatchObject({ suspended: { time: "t", by: "me" }, lastAppliedRevision: "sha256:x" });
    expect(sources.setSuspension("one", null)).toBe(true);
    expect(sources.getSource("one")!.status.suspended).toBeUndefined();
    expect(sources.setSuspension("nope", null)).toBe(false);
    store.close();
  });

  it("deleting a Source, however it is deleted, deletes its inventory in the same transaction", () => {
    const { store, sources } = withAgent("a", "source:one");
    sources.addSource(spec("one"));
    sources.updateInventory("one", { upsert: [{ ...key("a"), hash: "h1" }], remove: [] });
    store.commit([{ op: "delete", key: { project: "", kind: "Source", name: "one" }, reason: "pruned" }], "source:parent");
    expect(sources.getSource("one")).toBeUndefined();
    expect(sources.getInventory("one")).toEqual([]);
    store.close();
  });

  it("a Source's deletion that rolls back keeps its inventory", () => {
    const { store, sources } = withAgent("a", "source:one");
    sources.addSource(spec("one"));
    sources.updateInventory("one", { upsert: [{ ...key("a"), hash: "h1" }], remove: [] });
    expect(() =>
      store.writeTransaction(() => {
        store.commit([{ op: "delete", key: { project: "", kind: "Source", name: "one" }, reason: "deleted" }], "cli");
        throw new Error("abandoned");
      }),
    ).toThrow("abandoned");
    expect(sources.getSource("one")).toBeDefined();
    expect(sources.getInventory("one")).toEqual([{ ...key("a"), hash: "h1", adopted: false }]);
    expect(sources.removeSource("one")).toBe(true);
    expect(sources.getInventory("one")).toEqual([]);
    store.close();
  });
});
});
