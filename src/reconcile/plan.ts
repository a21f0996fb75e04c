/**
 * @module Planning: compare the desired set with the store and decide, per
 * resource, whether it is created, configured, unchanged or pruned.
 */
import type { KindRegistry } from "../resources/kinds.js";
import type { ParsedDocument, Resource, ResourceKey } from "../resources/types.js";
import { canonicalJson } from "../store/canonical.js";
import type { ResourceChange, ResourceOrigin, ResourceWrite, Store, StoredResource } from "../store/store.js";

export type PlannedVerb = "created" | "configured" | "unchanged" | "pruned";

export interface PlannedAction {
  verb: PlannedVerb;
  key: ResourceKey;
  /** The change to commit; absent for `unchanged`. */
  change?: ResourceChange;
  /** Where the desired document came from (absent for prune). */
  document?: ParsedDocument;
  /** What the store held before the change, if anything. */
  live?: StoredResource;
}

export interface PlanOptions {
  registry: KindRegistry;
  /** Who applies: `cli` or `source:<name>`. */
  appliedBy: string;
  /** Delete what the set omits; see `pruneCandidates`. */
  prune?: boolean;
  /** Source commit recorded on each resource (git sources). */
  commit?: string;
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

/** The content that decides `unchanged`: everything a user writes except the name and project. */
export function hashedContent(resource: Pick<Resource, "apiVersion" | "metadata" | "spec">): Record<string, unknown> {
  return {
    apiVersion: resource.apiVersion,
    description: resource.metadata.description ?? null,
    labels: resource.metadata.labels ?? {},
    annotations: resource.metadata.annotations ?? {},
    spec: resource.spec,
  };
}

export function planChanges(documents: readonly ParsedDocument[], store: Store, opts: PlanOptions): PlannedAction[] {
  const desiredKeys = new Set<string>();
  const actions: PlannedAction[] = [];
  const order = (kind: string): number => opts.registry.get(kind)?.order ?? 1000;
  const sorted = documents
    .map((d, i) => ({ d, i }))
    .sort((a, b) => order(a.d.resource.kind) - order(b.d.resource.kind) || a.i - b.i)
    .map((x) => x.d);

  const liveByKind = new Map<string, Map<string, StoredResource>>();
  const liveOf = (key: ResourceKey): StoredResource | undefined => {
    const bucketKey = `${key.project}\u0000${key.kind}`;
    let bucket = liveByKind.get(bucketKey);
    if (!bucket) {
      bucket = new Map(store.listResources({ project: key.project, kind: key.kind }).map((r) => [r.metadata.name, r]));
      liveByKind.set(bucketKey, bucket);
    }
    return bucket.get(key.name);
  };

  for (const doc of sorted) {
    const r = doc.resource;
    const key = keyOf(r);
    desiredKeys.add(keyString(key));
    const origin: ResourceOrigin = { appliedBy: opts.appliedBy, file: doc.file, line: doc.position.line };
    if (opts.commit) origin.commit = opts.commit;
    const write: ResourceWrite = {
      apiVersion: r.apiVersion,
      kind: r.kind,
      metadata: { ...r.metadata, project: key.project },
      spec: r.spec ?? {},
      hash: store.contentHash(r.kind, hashedContent(r) as never),
      origin,
    };
    const live = liveOf(key);
    if (!live) {
      actions.push({ verb: "created", key, change: { op: "create", resource: write }, document: doc });
    } else if (live.hash === write.hash) {
      actions.push({ verb: "unchanged", key, document: doc, live });
    } else {
      const specChanged = canonicalJson(live.spec) !== canonicalJson(write.spec);
      actions.push({ verb: "configured", key, change: { op: "update", resource: write, specChanged }, document: doc, live });
    }
  }

  if (opts.prune) {
    for (const live of pruneCandidates(documents, store, opts, desiredKeys)) {
      const key = { project: live.metadata.project, kind: live.kind, name: live.metadata.name };
      actions.push({ verb: "pruned", key, change: { op: "delete", key, reason: "pruned" }, live });
    }
  }
  return actions;
}

/**
 * What `--prune` deletes: resources of the kinds the set applies, in the
 * projects it applies them to, that the same applier put there and the set
 * no longer holds. Resources another applier owns are never touched.
 * Deleted in reverse apply order.
 */
function pruneCandidates(documents: readonly ParsedDocument[], store: Store, opts: PlanOptions, desiredKeys: Set<string>): StoredResource[] {
  const scopes = new Map<string, { project: string; kind: string }>();
  for (const d of documents) {
    const k = keyOf(d.resource);
    scopes.set(`${k.project}\u0000${k.kind}`, { project: k.project, kind: k.kind });
  }
  const out: StoredResource[] = [];
  for (const { project, kind } of scopes.values()) {
    for (const live of store.listResources({ project, kind })) {
      const key = { project: live.metadata.project, kind: live.kind, name: live.metadata.name };
      if (desiredKeys.has(keyString(key))) continue;
      if (live.origin.appliedBy !== opts.appliedBy) continue;
      out.push(live);
    }
  }
  const order = (kind: string): number => opts.registry.get(kind)?.order ?? 1000;
  return out.sort((a, b) => order(b.kind) - order(a.kind) || a.metadata.name.localeCompare(b.metadata.name));
}

/** The changes of a plan, in order, ready for one `Store.commit`. */
export function changesOf(actions: readonly PlannedAction[]): ResourceChange[] {
  return actions.flatMap((a) => (a.change ? [a.change] : []));
}
