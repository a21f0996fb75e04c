/**
 * @module Planning: compare the desired set with the store and decide, per
 * resource, whether it is created, configured, unchanged or pruned. Pure
 * over what it reads; callers run it inside the write transaction that
 * commits it (see commit.ts), so the plan is never stale.
 */
import { controllerFor } from "../../controllers/registry.js";
import type { KindRegistry } from "../resources/kinds.js";
import type { JsonObject, ParsedDocument, Resource, ResourceKey } from "../resources/types.js";
import { canonicalJson } from "../store/canonical.js";
import { RevokedKeyError } from "../store/errors.js";
import { hashedContent } from "../store/hashed-content.js";
import type { InventoryItem } from "../store/source-store.js";
import { comparePruneOrder } from "./inventory.js";
import type { ResourceChange, ResourceHead, ResourceOrigin, ResourceWrite, Store, StoredResource } from "../store/store.js";

export type PlannedVerb = "created" | "configured" | "unchanged" | "pruned";

export interface PlannedAction {
  verb: PlannedVerb;
  key: ResourceKey;
  /** The change to commit; absent for `unchanged`. */
  change?: ResourceChange;
  /** Where the desired document came from (absent for prune). */
  document?: ParsedDocument;
  /** What the store held before, as read for the plan (absent when created). */
  head?: ResourceHead;
  /** The stored resource in full: read for `configured` and `pruned`. */
  live?: StoredResource;
  /** The stored resource differed from what this source last applied (changed or deleted out of band). */
  drift?: boolean;
  /** Content hash of the desired resource (absent for prune). */
  hash?: string;
  /** Sources: the pass takes this resource over from its applier (`cli`, or a removed source); see ownership.ts. */
  adoptedFrom?: string;
  /**
   * Sources: the source dropped a resource it had adopted; it stays, handed
   * back to `cli` (verb `unchanged`: its content does not change).
   */
  released?: boolean;
  /** Sources: another source manages this resource; it is left alone and the pass is refused. */
  conflict?: string;
}

/** A desired document with its key and content hash, computed once before planning. */
export interface DesiredResource {
  key: ResourceKey;
  /** keyString(key) */
  id: string;
  document: ParsedDocument;
  hash: string;
}

export function keyOf(resource: Resource): ResourceKey {
  return {
    project: resource.kind === "Project" ? "" : (resource.metadata.project ?? ""),
    kind: resource.kind,
    name: resource.metadata.name,
  };
}

export function keyString(k: ResourceKey): string {
  return `${k.project}\u0000${k.kind}\u0000${k.name}`;
}

export { hashedContent };

/** The resource as its kind controller compares it (see KindController.normalize). */
export function normalized(resource: Resource): Resource {
  return controllerFor(resource.kind).normalize?.(resource) ?? resource;
}

/**
 * Key and content hash of every document; `memo` keeps them across passes
 * for documents of unchanged files (see DesiredSetCache).
 */
export function prepareDesired(documents: readonly ParsedDocument[], store: Store, memo?: WeakMap<ParsedDocument, DesiredResource>): DesiredResource[] {
  return documents.map((document) => {
    // A SecretStore's hash is keyed with the store's active key, which a rotation changes: never kept.
    const keyed = document.resource.kind === "SecretStore";
    let d = keyed ? undefined : memo?.get(document);
    if (d === undefined) {
      const r = document.resource;
      const key = keyOf(r);
      d = { key, id: keyString(key), document, hash: store.contentHash(r.kind, hashedContent(normalized(r)) as JsonObject) };
      if (!keyed) memo?.set(document, d);
    }
    return d;
  });
}

/**
 * - `none`: nothing is deleted.
 * - `kinds`: what `apply --prune` deletes (see pruneByKinds).
 * - `inventory`: what a source applied before and no longer contains.
 */
export type PruneMode = "none" | "kinds" | "inventory";

/** What the inventory of a source becomes once the plan is committed: only the differences. */
export interface InventoryDelta {
  upsert: InventoryItem[];
  remove: ResourceKey[];
}

export interface PlanInput {
  desired: readonly DesiredResource[];
  registry: KindRegistry;
  /** Who applies: `cli` or `source:<name>`. */
  appliedBy: string;
  prune: PruneMode;
  /** What this source applied before, with the hashes it applied (sources only). */
  inventory?: readonly InventoryItem[];
  /** Commit recorded on each written resource (git sources). */
  commit?: string;
  /**
   * A source takes back a resource whose content matches but that another
   * applier last wrote; `apply -f` leaves such a resource as it is.
   */
  takeOwnership?: boolean;
  /** Read the full stored resource of every change (for diffs); otherwise only what planning needs. */
  withLive?: boolean;
  /** Filled with the inventory's new entries and removals (sources). */
  inventoryDelta?: InventoryDelta;
  /** Sources: the other source whose inventory holds a resource, if any (it manages it). */
  claimedBy?: (key: ResourceKey) => string | undefined;
}

export function planAgainstStore(store: Store, input: PlanInput): PlannedAction[] {
  const order = kindOrder(input.registry);
  const heads = new HeadIndex(store);
  const inventory = new Map<string, InventoryItem>();
  for (const i of input.inventory ?? []) inventory.set(keyString(i), i);
  const desiredKeys = new Set<string>();
  const actions: PlannedAction[] = [];
  const delta = input.inventoryDelta;

  for (const d of inApplyOrder(input.desired, order)) {
    const id = d.id;
    desiredKeys.add(id);
    const head = heads.get(d.key);
    const applied = inventory.get(id);
    // Another source manages it: leave it alone (the pass is refused; see ownership.ts).
    const ours = applied !== undefined && head?.appliedBy === input.appliedBy;
    const owner = ours ? undefined : input.claimedBy?.(d.key);
    if (owner !== undefined) {
      actions.push({ verb: "unchanged", key: d.key, document: d.document, hash: d.hash, ...(head ? { head } : {}), conflict: owner });
      continue;
    }
    // A resource applied by hand (or left by a removed source) that a source declares is adopted.
    const adoptedFrom = input.takeOwnership && !applied && head && head.appliedBy !== input.appliedBy ? head.appliedBy : undefined;
    const adopted = applied?.adopted === true || adoptedFrom !== undefined;
    if (delta && (applied?.hash !== d.hash || (applied.adopted === true) !== adopted)) delta.upsert.push({ ...d.key, hash: d.hash, adopted });
    const drift = applied !== undefined && (!head || head.hash !== applied.hash || head.appliedBy !== input.appliedBy);
    let action: PlannedAction;
    if (!head) {
      action = { verb: "created", key: d.key, document: d.document, hash: d.hash, change: { op: "create", resource: writeOf(d, input) } };
    } else if (head.hash === d.hash && (!input.takeOwnership || head.appliedBy === input.appliedBy)) {
      action = { verb: "unchanged", key: d.key, document: d.document, hash: d.hash, head };
    } else {
      const live = liveResource(store, d.key);
      if (!live) throw new Error(`${d.key.kind} ${d.key.name} vanished while planning; planning must run inside a write transaction`);
      const specChanged = canonicalJson(normalized(live).spec) !== canonicalJson(normalized(d.document.resource).spec ?? {});
      action = { verb: "configured", key: d.key, document: d.document, hash: d.hash, head, live, change: { op: "update", resource: writeOf(d, input), specChanged } };
    }
    if (drift && action.verb !== "unchanged") action.drift = true;
    if (adoptedFrom !== undefined) action.adoptedFrom = adoptedFrom;
    actions.push(action);
  }

  if (delta) {
    for (const [id, item] of inventory) if (!desiredKeys.has(id)) delta.remove.push({ project: item.project, kind: item.kind, name: item.name });
  }

  const leaving =
    input.inventory !== undefined
      ? leftByInventory(input.inventory, desiredKeys, heads, input.appliedBy, input.prune === "inventory")
      : input.prune === "kinds"
        ? pruneByKinds(input.desired, desiredKeys, heads, input.appliedBy).map((head) => ({ head, release: false }))
        : [];
  leaving.sort((a, b) => comparePruneOrder(a.head, b.head));
  for (const { head, release } of leaving) {
    const key = { project: head.project, kind: head.kind, name: head.name };
    const action: PlannedAction = release
      ? { verb: "unchanged", key, head, released: true }
      : { verb: "pruned", key, head, change: { op: "delete", key, reason: "pruned" } };
    if (input.withLive) {
      const live = liveResource(store, key);
      if (live) action.live = live;
    }
    actions.push(action);
  }
  return actions;
}

/** Apply rank per kind, looked up once per kind rather than once per comparison. */
function kindOrder(registry: KindRegistry): (kind: string) => number {
  const ranks = new Map<string, number>();
  return (kind) => {
    let r = ranks.get(kind);
    if (r === undefined) {
      r = registry.get(kind)?.order ?? 1000;
      ranks.set(kind, r);
    }
    return r;
  };
}

/** Stable: by kind rank, then as the documents came (file order); a bucket per rank, no sort of the whole set. */
function inApplyOrder(desired: readonly DesiredResource[], order: (kind: string) => number): DesiredResource[] {
  const buckets = new Map<number, DesiredResource[]>();
  for (const d of desired) {
    const r = order(d.key.kind);
    const b = buckets.get(r);
    if (b) b.push(d);
    else buckets.set(r, [d]);
  }
  return [...buckets.keys()].sort((a, b) => a - b).flatMap((r) => buckets.get(r)!);
}

function writeOf(d: DesiredResource, input: PlanInput): ResourceWrite {
  const r = d.document.resource;
  const origin: ResourceOrigin = { appliedBy: input.appliedBy, file: d.document.file, line: d.document.position.line };
  if (input.commit) origin.commit = input.commit;
  return {
    apiVersion: r.apiVersion,
    kind: r.kind,
    metadata: { ...r.metadata, project: d.key.project },
    spec: r.spec ?? {},
    hash: d.hash,
    origin,
  };
}

/** Heads of the store, read one (project, kind) at a time, each at most once per plan. */
class HeadIndex {
  private readonly byProject = new Map<string, Map<string, Map<string, ResourceHead>>>();
  constructor(private readonly store: Store) {}

  get(key: ResourceKey): ResourceHead | undefined {
    return this.bucket(key.project, key.kind).get(key.name);
  }

  bucket(project: string, kind: string): Map<string, ResourceHead> {
    let kinds = this.byProject.get(project);
    if (!kinds) {
      kinds = new Map();
      this.byProject.set(project, kinds);
    }
    let b = kinds.get(kind);
    if (!b) {
      b = new Map();
      for (const h of this.store.listResourceHeads({ project, kind })) b.set(h.name, h);
      kinds.set(kind, b);
    }
    return b;
  }
}

/**
 * Flux's rule: the old inventory minus the new desired set, and only what
 * this source still owns; a resource another applier took over stays. Of
 * those, what the source adopted is released (handed back, left in place),
 * and what it created is pruned when prune is on.
 */
function leftByInventory(
  inventory: readonly InventoryItem[],
  desiredKeys: Set<string>,
  heads: HeadIndex,
  appliedBy: string,
  prune: boolean,
): { head: ResourceHead; release: boolean }[] {
  const out: { head: ResourceHead; release: boolean }[] = [];
  for (const item of inventory) {
    if (desiredKeys.has(keyString(item))) continue;
    const head = heads.get(item);
    if (!head || head.appliedBy !== appliedBy) continue;
    // A source that drops its own Source (a bootstrapped `default` whose manifest was removed) lets go of it, never deletes itself.
    if (item.adopted || isOwnSource(item, appliedBy)) out.push({ head, release: true });
    else if (prune) out.push({ head, release: false });
  }
  return out;
}

function isOwnSource(item: { project: string; kind: string; name: string }, appliedBy: string): boolean {
  return item.kind === "Source" && item.project === "" && appliedBy === `source:${item.name}`;
}

/**
 * What `apply --prune` deletes: resources of the kinds the set applies, in
 * the projects it applies them to, that the same applier put there and the
 * set no longer holds. Resources another applier owns are never touched.
 */
function pruneByKinds(desired: readonly DesiredResource[], desiredKeys: Set<string>, heads: HeadIndex, appliedBy: string): ResourceHead[] {
  const scopes = new Map<string, { project: string; kind: string }>();
  for (const d of desired) scopes.set(`${d.key.project}\u0000${d.key.kind}`, { project: d.key.project, kind: d.key.kind });
  const out: ResourceHead[] = [];
  for (const { project, kind } of scopes.values()) {
    for (const head of heads.bucket(project, kind).values()) {
      if (!desiredKeys.has(keyString(head)) && head.appliedBy === appliedBy) out.push(head);
    }
  }
  return out;
}

export interface PlanOptions {
  registry: KindRegistry;
  /** Who applies: `cli` or `source:<name>`. */
  appliedBy: string;
  /** Delete what the set omits, as `apply --prune` does. */
  prune?: boolean;
  /** Source commit recorded on each resource (git sources). */
  commit?: string;
}

/** Plans documents against the store as `apply -f` does (outside a transaction: for tests and previews). */
export function planChanges(documents: readonly ParsedDocument[], store: Store, opts: PlanOptions): PlannedAction[] {
  const input: PlanInput = {
    desired: prepareDesired(documents, store),
    registry: opts.registry,
    appliedBy: opts.appliedBy,
    prune: opts.prune ? "kinds" : "none",
  };
  if (opts.commit) input.commit = opts.commit;
  return planAgainstStore(store, input);
}

/** The changes of a plan, in order, ready for one `Store.commit`. */
export function changesOf(actions: readonly PlannedAction[]): ResourceChange[] {
  return actions.flatMap((a) => (a.change ? [a.change] : []));
}

/**
 * The stored resource a change replaces. A SecretStore whose values were
 * sealed with a revoked key can never be read again; applying it again is
 * how it is repaired, so it is planned against a spec with no values
 * (every value reads as changed) rather than refused.
 */
function liveResource(store: Store, key: ResourceKey): StoredResource | undefined {
  try {
    return store.getResource(key);
  } catch (err) {
    if (!(err instanceof RevokedKeyError)) throw err;
    const sealed = store.getSealedResource(key);
    return sealed && { ...sealed, spec: {} };
  }
}
