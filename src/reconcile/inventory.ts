/**
 * @module The inventory of a source: which resources it applied, as data with
 * pure set operations. Prune is "the old inventory minus the new one", so a
 * resource a source never applied is never pruned by it.
 */
import { BUILTIN_KINDS, CUSTOM_KIND_ORDER } from "../resources/kinds.js";

export interface InventoryEntry {
  project: string;
  kind: string;
  name: string;
}

/** Entries without duplicates, in apply order. Plain JSON, so it can be stored as is. */
export interface Inventory {
  entries: InventoryEntry[];
}

const BUILTIN_ORDER: ReadonlyMap<string, number> = new Map(BUILTIN_KINDS.map((k) => [k.kind, k.order]));

/** Apply rank of a kind; every kind not built in is a custom resource. */
export function kindApplyOrder(kind: string): number {
  return BUILTIN_ORDER.get(kind) ?? CUSTOM_KIND_ORDER;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Kind rank (kinds.ts `order`), then kind name (custom kinds share a rank),
 * then project, then name. Plain code-unit comparison: the same on every locale.
 */
export function compareApplyOrder(a: InventoryEntry, b: InventoryEntry): number {
  return (
    kindApplyOrder(a.kind) - kindApplyOrder(b.kind) ||
    compareText(a.kind, b.kind) ||
    compareText(a.project, b.project) ||
    compareText(a.name, b.name)
  );
}

/** A key unique per entry (NUL-separated: no name contains NUL). */
export function entryId(e: InventoryEntry): string {
  return `${e.project}\u0000${e.kind}\u0000${e.name}`;
}

export function applyOrder(entries: Iterable<InventoryEntry>): InventoryEntry[] {
  return [...entries].sort(compareApplyOrder);
}

/**
 * The order `sync` prunes in, and `diff` lists deletions in: kind rank
 * reversed (what depends on a thing goes before the thing), then kind name,
 * project and name as in apply order, so a listing reads alphabetically
 * within a kind.
 */
export function comparePruneOrder(a: InventoryEntry, b: InventoryEntry): number {
  return (
    kindApplyOrder(b.kind) - kindApplyOrder(a.kind) ||
    compareText(a.kind, b.kind) ||
    compareText(a.project, b.project) ||
    compareText(a.name, b.name)
  );
}

export function pruneOrder(entries: Iterable<InventoryEntry>): InventoryEntry[] {
  return [...entries].sort(comparePruneOrder);
}

/** Copies only the key fields, so a whole resource row can be passed in. */
export function newInventory(entries: Iterable<InventoryEntry>): Inventory {
  const byId = new Map<string, InventoryEntry>();
  for (const e of entries) byId.set(entryId(e), { project: e.project, kind: e.kind, name: e.name });
  return { entries: applyOrder(byId.values()) };
}

export function inventoryHas(inv: Inventory, e: InventoryEntry): boolean {
  const id = entryId(e);
  return inv.entries.some((x) => entryId(x) === id);
}

/** What to prune: in `old` and not in `next`, already in prune order. */
export function inventoryDiff(old: Inventory, next: Inventory): InventoryEntry[] {
  const keep = new Set(next.entries.map(entryId));
  return pruneOrder(old.entries.filter((e) => !keep.has(entryId(e))));
}

export function mergeInventory(a: Inventory, b: Inventory): Inventory {
  return newInventory([...a.entries, ...b.entries]);
}

/**
 * An inventory read back from storage. Throws, naming the entry, when the
 * value is not `{entries: [{project, kind, name}, ...]}` of strings.
 */
export function parseInventory(value: unknown): Inventory {
  if (typeof value !== "object" || value === null || !Array.isArray((value as { entries?: unknown }).entries)) {
    throw new Error("inventory: expected an object with an `entries` array");
  }
  const raw = (value as { entries: unknown[] }).entries;
  return newInventory(
    raw.map((e, i): InventoryEntry => {
      const rec = (typeof e === "object" && e !== null ? e : {}) as Record<string, unknown>;
      for (const field of ["project", "kind", "name"] as const) {
        if (typeof rec[field] !== "string") {
          throw new Error(`inventory: entries[${i}].${field} must be a string`);
        }
      }
      return { project: rec.project as string, kind: rec.kind as string, name: rec.name as string };
    }),
  );
}
