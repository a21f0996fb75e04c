import { afterEach, describe, expect, it } from "vitest";
import { reconcileSource } from "../../src/reconcile/source-pass.js";
import { agent, docs } from "./support/manifests.js";
import { testProject, type TestProject } from "./support/project.js";

let p: TestProject;
afterEach(() => p?.cleanup());

const pass = async (name: string, dryRun = false) => (await reconcileSource({ home: p.home, store: p.store }, p.source(name), { dryRun })).result;
const get = (name: string) => p.store.getResource({ project: "default", kind: "Agent", name });
const events = (type: string) => p.store.listEvents({ type });
const inventory = (source: string) => p.sources.getInventory(source).map((i) => `${i.name}${i.adopted ? " (adopted)" : ""}`).sort();
/** A resource applied by hand, as `apply -f` writes it. */
const byHand = (name: string, command = "echo by-hand") =>
  p.store.commit(
    [{ op: "create", resource: { apiVersion: "orchestrator.dev/v2", kind: "Agent", metadata: { name, project: "default" }, spec: { capabilities: ["x"], command }, hash: `h-${command}`, origin: { appliedBy: "cli", file: "hand.yaml", line: 1 } } }],
    "cli",
  );

describe("ownership between two sources", () => {
  it("refuses a resource another source manages, naming both sources and where, and applies nothing of the pass", async () => {
    p = testProject();
    p.write("a/x.yaml", agent("dup", "echo a"));
    p.write("b/x.yaml", docs(agent("mine"), agent("dup", "echo b")));
    p.addDirSource("A", "a");
    p.addDirSource("B", "b");
    expect(await pass("A")).toMatchObject({ ready: true, counts: { created: 1 } });

    const r = await pass("B");
    expect(r).toMatchObject({ ready: false, reason: "OwnershipConflict" });
    expect(r.message).toContain("1 resource is managed by another source");
    const d = r.diagnostics.find((x) => x.severity === "error")!;
    expect(d).toMatchObject({ resource: "agent/dup", position: { file: "x.yaml", line: 9 } });
    expect(d.message).toBe("already managed by source A (declared at x.yaml:1 there); source B declares it too, and a resource belongs to one source at a time");
    expect(d.hint).toContain("remove it from one of the two sources");
    // The set is refused whole: B's other resource is not applied, and A's copy stands.
    expect(get("mine")).toBeUndefined();
    expect(get("dup")!.spec["command"]).toBe("echo a");
    expect(get("dup")!.origin.appliedBy).toBe("source:A");
    expect(p.source("B").status.conditions.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "OwnershipConflict" });
    expect(events("reconcile_failed")[0]!.data).toMatchObject({ source: "B", reason: "OwnershipConflict" });

    // No flip-flop: A's next pass changes nothing, B keeps failing the same way.
    expect((await pass("A")).changes).toEqual([]);
    expect(await pass("B")).toMatchObject({ reason: "OwnershipConflict" });
    expect(events("drift_corrected")).toEqual([]);

    // A dry run of B (diff, sync --dry-run) reports the same conflict next to its plan.
    const dry = await pass("B", true);
    expect(dry).toMatchObject({ ready: false, reason: "OwnershipConflict", changes: [expect.objectContaining({ name: "mine", verb: "created" })] });
    expect(dry.diagnostics.map((x) => x.resource)).toEqual(["agent/dup"]);
  });

  it("never prunes a resource another source manages when the second source drops it", async () => {
    p = testProject();
    p.write("a/x.yaml", agent("dup", "echo a"));
    p.write("b/x.yaml", docs(agent("mine"), agent("dup", "echo b")));
    p.addDirSource("A", "a");
    p.addDirSource("B", "b");
    await pass("A");
    await pass("B");
    p.write("b/x.yaml", agent("mine"));
    expect(await pass("B")).toMatchObject({ ready: true, counts: { created: 1, pruned: 0 } });
    expect(get("dup")!.origin.appliedBy).toBe("source:A");
    // The owner prunes what it created, once it drops it.
    p.write("a/x.yaml", agent("other"));
    expect((await pass("A")).changes.map((c) => `${c.name} ${c.verb}`)).toEqual(["other created", "dup pruned"]);
    expect(get("dup")).toBeUndefined();
  });

  it("lets the second source take a resource once the owner lets go, without a new revision of its own", async () => {
    p = testProject();
    p.write("a/x.yaml", agent("dup", "echo a"));
    p.write("b/x.yaml", agent("dup", "echo b"));
    p.addDirSource("A", "a", { prune: false });
    p.addDirSource("B", "b");
    await pass("A");
    expect(await pass("B")).toMatchObject({ reason: "OwnershipConflict" });
    // A drops it without pruning: the resource stays, A no longer manages it, the store's content is unchanged.
    p.write("a/x.yaml", agent("other"));
    await pass("A");
    const r = await pass("B");
    expect(r).toMatchObject({ ready: true, upToDate: false });
    expect(r.changes).toEqual([{ verb: "configured", project: "default", kind: "Agent", name: "dup", drift: false, adoptedFrom: "source:A" }]);
    expect(get("dup")!.spec["command"]).toBe("echo b");
    expect(inventory("B")).toEqual(["dup (adopted)"]);
  });
});

describe("resources applied by hand", () => {
  it("are adopted by a source that declares them, and released (never pruned) when it drops them", async () => {
    p = testProject();
    byHand("hand");
    p.write("manifests/a.yaml", docs(agent("a"), agent("hand")));
    p.addDirSource("default", "manifests");

    const adopt = await pass("default");
    expect(adopt.changes).toEqual([
      { verb: "created", project: "default", kind: "Agent", name: "a", drift: false, adoptedFrom: null },
      { verb: "configured", project: "default", kind: "Agent", name: "hand", drift: false, adoptedFrom: "cli" },
    ]);
    expect(get("hand")!.origin).toMatchObject({ appliedBy: "source:default", file: "a.yaml", line: 9 });
    expect(get("hand")!.spec["command"]).toBe("echo hi");
    expect(inventory("default")).toEqual(["a", "hand (adopted)"]);
    expect(events("resource_adopted").map((e) => [e.name, e.data])).toEqual([["hand", { source: "default", revision: adopt.revision, from: "cli" }]]);

    p.write("manifests/a.yaml", agent("a"));
    const release = await pass("default");
    expect(release).toMatchObject({ ready: true, counts: { pruned: 0 } });
    expect(release.changes).toEqual([{ verb: "released", project: "default", kind: "Agent", name: "hand", drift: false, adoptedFrom: null }]);
    // Left in place with the source's content, handed back to `cli`.
    expect(get("hand")!.spec["command"]).toBe("echo hi");
    expect(get("hand")!.origin).toEqual({ appliedBy: "cli" });
    expect(inventory("default")).toEqual(["a"]);
    expect(events("resource_pruned")).toEqual([]);
    expect(events("resource_released").map((e) => e.message)).toEqual([
      "agent/hand released by source default: no longer in the source, left in place and now applied by cli",
    ]);
    // Released means released: the next pass leaves it alone.
    expect((await pass("default")).changes).toEqual([]);
    expect(get("hand")).toBeDefined();
  });

  it("stay adopted through drift: changed by hand again, put back, and still released rather than pruned", async () => {
    p = testProject();
    byHand("hand");
    p.write("manifests/a.yaml", agent("hand"));
    p.addDirSource("default", "manifests");
    await pass("default");
    const live = get("hand")!;
    p.store.commit([{ op: "update", resource: { ...live, spec: { ...live.spec, command: "echo again" }, hash: "again", origin: { appliedBy: "cli" } }, specChanged: true }], "cli");
    const back = await pass("default");
    expect(back.changes).toEqual([{ verb: "configured", project: "default", kind: "Agent", name: "hand", drift: true, adoptedFrom: null }]);
    expect(inventory("default")).toEqual(["hand (adopted)"]);
    p.write("manifests/a.yaml", agent("other"));
    expect((await pass("default")).changes.map((c) => `${c.name} ${c.verb}`)).toEqual(["other created", "hand released"]);
    expect(get("hand")!.origin.appliedBy).toBe("cli");
  });

  it("a source with prune off releases what it adopted too", async () => {
    p = testProject();
    byHand("hand");
    p.write("manifests/a.yaml", agent("hand"));
    p.addDirSource("default", "manifests", { prune: false });
    await pass("default");
    p.write("manifests/a.yaml", agent("a"));
    expect((await pass("default")).changes.map((c) => `${c.name} ${c.verb}`)).toEqual(["a created", "hand released"]);
    expect(get("hand")!.origin.appliedBy).toBe("cli");
  });

  it("left behind by a removed source are adopted by another source, not refused", async () => {
    p = testProject();
    p.write("a/x.yaml", agent("shared"));
    p.write("b/x.yaml", agent("shared"));
    p.addDirSource("A", "a");
    p.addDirSource("B", "b");
    await pass("A");
    p.sources.removeSource("A");
    // Removing a source leaves what it applied in place.
    expect(get("shared")!.origin.appliedBy).toBe("source:A");
    const r = await pass("B");
    expect(r).toMatchObject({ ready: true });
    expect(r.changes).toEqual([{ verb: "configured", project: "default", kind: "Agent", name: "shared", drift: false, adoptedFrom: "source:A" }]);
    p.write("b/x.yaml", agent("b"));
    expect((await pass("B")).changes.map((c) => `${c.name} ${c.verb}`)).toEqual(["b created", "shared released"]);
    expect(get("shared")!.origin.appliedBy).toBe("cli");
  });
});
