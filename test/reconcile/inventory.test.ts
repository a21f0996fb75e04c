import { describe, expect, it } from "vitest";
import {
  compareApplyOrder,
  inventoryDiff,
  inventoryHas,
  mergeInventory,
  newInventory,
  parseInventory,
  pruneOrder,
  comparePruneOrder,
  type InventoryEntry,
} from "../../src/reconcile/inventory.js";

const e = (kind: string, name: string, project = "default"): InventoryEntry => ({ project, kind, name });
const ids = (entries: readonly InventoryEntry[]): string[] => entries.map((x) => `${x.project}/${x.kind}/${x.name}`);

describe("newInventory", () => {
  it("sorts into apply order: kind rank from kinds.ts, then project, then name", () => {
    const inv = newInventory([
      e("Trigger", "nightly"),
      e("Workflow", "qa"),
      e("Agent", "b"),
      e("Agent", "a"),
      e("Project", "web", ""),
      e("Agent", "a", "alpha"),
      e("Workspace", "ws"),
      e("SecretStore", "keys"),
    ]);
    expect(ids(inv.entries)).toEqual([
      "/Project/web",
      "default/SecretStore/keys",
      "alpha/Agent/a",
      "default/Agent/a",
      "default/Agent/b",
      "default/Workspace/ws",
      "default/Workflow/qa",
      "default/Trigger/nightly",
    ]);
  });

  it("puts custom kinds between Workflow and Trigger, ordered by kind name", () => {
    const inv = newInventory([e("Trigger", "t"), e("ZetaCheck", "z"), e("AlphaGate", "a"), e("Workflow", "w")]);
    expect(ids(inv.entries)).toEqual(["default/Workflow/w", "default/AlphaGate/a", "default/ZetaCheck/z", "default/Trigger/t"]);
  });

  it("drops duplicates and keeps only the key fields", () => {
    const row = { ...e("Agent", "a"), spec: { secret: "x" } } as InventoryEntry;
    const inv = newInventory([row, e("Agent", "a")]);
    expect(inv.entries).toEqual([e("Agent", "a")]);
    expect(JSON.parse(JSON.stringify(inv))).toEqual({ entries: [{ project: "default", kind: "Agent", name: "a" }] });
  });
});

describe("inventoryDiff", () => {
  it("prunes exactly what the old inventory has and the new one does not, in prune order", () => {
    const old = newInventory([e("Agent", "a"), e("Agent", "b"), e("Workflow", "w"), e("Workspace", "ws"), e("Agent", "a", "other")]);
    const next = newInventory([e("Agent", "a"), e("Workspace", "ws"), e("Agent", "c")]);
    expect(ids(inventoryDiff(old, next))).toEqual(["default/Workflow/w", "default/Agent/b", "other/Agent/a"]);
  });

  it("never prunes what the old inventory did not record (applied by hand)", () => {
    const old = newInventory([e("Agent", "from-git")]);
    const next = newInventory([]);
    expect(ids(inventoryDiff(old, next))).toEqual(["default/Agent/from-git"]);
    expect(inventoryDiff(newInventory([]), newInventory([e("Agent", "x")]))).toEqual([]);
  });

  it("is empty when nothing was removed", () => {
    const inv = newInventory([e("Agent", "a"), e("Workflow", "w")]);
    expect(inventoryDiff(inv, newInventory([...inv.entries].reverse()))).toEqual([]);
  });
});

describe("mergeInventory and inventoryHas", () => {
  it("unions two inventories without duplicates, in apply order", () => {
    const merged = mergeInventory(newInventory([e("Workflow", "w"), e("Agent", "a")]), newInventory([e("Agent", "a"), e("Agent", "b")]));
    expect(ids(merged.entries)).toEqual(["default/Agent/a", "default/Agent/b", "default/Workflow/w"]);
    expect(inventoryHas(merged, e("Agent", "b"))).toBe(true);
    expect(inventoryHas(merged, e("Agent", "b", "other"))).toBe(false);
  });
});

describe("pruneOrder", () => {
  it("reverses the kind order of apply order: dependants before what they depend on", () => {
    const entries = [e("Agent", "a"), e("Project", "p", ""), e("Trigger", "t"), e("Workflow", "w"), e("Task", "k")];
    expect(ids(pruneOrder(entries))).toEqual(["default/Task/k", "default/Trigger/t", "default/Workflow/w", "default/Agent/a", "/Project/p"]);
  });

  it("keeps names in alphabetical order within a kind, as sync prunes them", () => {
    const entries = [e("Agent", "b"), e("Agent", "a"), e("Workflow", "w"), e("Agent", "c", "other")];
    expect(ids(pruneOrder(entries))).toEqual(["default/Workflow/w", "default/Agent/a", "default/Agent/b", "other/Agent/c"]);
    expect([...entries].sort(comparePruneOrder)).toEqual(pruneOrder(entries));
  });
});

describe("parseInventory", () => {
  it("reads back a stored inventory, normalising its order", () => {
    const stored = JSON.parse(JSON.stringify({ entries: [e("Workflow", "w"), e("Agent", "a")] }));
    expect(ids(parseInventory(stored).entries)).toEqual(["default/Agent/a", "default/Workflow/w"]);
  });

  it("names the entry and field that is wrong", () => {
    expect(() => parseInventory({ entries: [e("Agent", "a"), { project: "p", kind: "Agent" }] })).toThrow(
      "inventory: entries[1].name must be a string",
    );
    expect(() => parseInventory([])).toThrow(/entries/);
  });
});
