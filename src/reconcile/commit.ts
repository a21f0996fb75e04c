/**
 * @module Plan and commit in ONE write transaction: BEGIN IMMEDIATE, read
 * the stored set (and the source's inventory) inside it, plan, write the
 * changes, the new inventory and drift, adoption and release events, then
 * commit. A source declaring a resource another source manages is refused
 * here, inside the transaction, so two sources can never both take it. A concurrent
 * applier waits for the lock and then plans against what this one wrote, so
 * no plan is ever stale, and a crash leaves the store before or after the
 * pass, never between. A pass pruning a CRD whose instances stay is refused
 * here too (crd-prune.ts).
 */
import type { KindRegistry } from "../resources/kinds.js";
import type { ResourceKey } from "../resources/types.js";
import { sourceStoreOf, type InventoryItem } from "../store/source-store.js";
import type { Store } from "../store/store.js";
import { adoptedEvent, driftEvent, releasedEvent } from "./events.js";
import { orphaningPruneError } from "./crd-prune.js";
import { conflictDiagnostics, ownershipConflictError, RELEASED_TO } from "./ownership.js";
import { changesOf, planAgainstStore, type DesiredResource, type InventoryDelta, type PlannedAction, type PruneMode } from "./plan.js";

export interface CommitInput {
  store: Store;
  desired: readonly DesiredResource[];
  registry: KindRegistry;
  appliedBy: string;
  /** Sources: the name whose inventory is read, pruned against and rewritten. */
  source?: string;
  prune: PruneMode;
  commit?: string;
  /** Plan only (the plan is still read consistently); nothing is written. */
  dryRun: boolean;
  /** Read full stored resources of every change, for diffs. */
  withLive?: boolean;
  /** The source's revision, recorded in drift events. */
  revision?: string;
  /** Runs inside the transaction after the changes (a source records its status there). */
  inTransaction?: (outcome: CommitOutcome) => void;
}

export interface CommitOutcome {
  actions: PlannedAction[];
  /** The store's resource version once the pass committed. */
  storeVersion: number;
}

/** Thrown inside the transaction when the source was removed while the pass ran. */
export class SourceRemovedError extends Error {
  override readonly name = "SourceRemovedError";
  constructor(source: string) {
    super(`source '${source}' was removed while it was being reconciled; nothing was applied`);
  }
}

export function planAndCommit(input: CommitInput): CommitOutcome {
  const { store } = input;
  const sources = input.source === undefined ? undefined : sourceStoreOf(store);
  const pass = (): CommitOutcome => {
    let inventory: InventoryItem[] | undefined;
    if (sources && input.source !== undefined) {
      if (!input.dryRun && !sources.getSource(input.source)) throw new SourceRemovedError(input.source);
      inventory = sources.getInventory(input.source);
    }
    const inventoryDelta: InventoryDelta = { upsert: [], remove: [] };
    const source = input.source;
    const actions = planAgainstStore(store, {
      inventoryDelta,
      desired: input.desired,
      registry: input.registry,
      appliedBy: input.appliedBy,
      prune: input.prune,
      takeOwnership: source !== undefined,
      ...(inventory ? { inventory } : {}),
      ...(sources && source !== undefined ? { claimedBy: (key: ResourceKey) => sources.inventoryClaimant(key, source) } : {}),
      ...(input.commit ? { commit: input.commit } : {}),
      ...(input.withLive ? { withLive: true } : {}),
    });
    const orphaning = orphaningPruneError(store, actions);
    if (orphaning) throw orphaning;
    if (!input.dryRun) {
      // A resource another source manages: the whole set is refused, as a set with an error would be.
      if (source !== undefined && actions.some((a) => a.conflict !== undefined)) throw ownershipConflictError(conflictDiagnostics(store, source, actions));
      store.commit(changesOf(actions), input.appliedBy);
      if (sources && source !== undefined && inventory) {
        for (const a of actions) {
          if (a.released) sources.releaseResource(a.key, input.appliedBy, RELEASED_TO);
        }
        sources.updateInventory(source, inventoryDelta);
        for (const a of actions) {
          if (a.drift) store.appendEvent(driftEvent(a, source, input.appliedBy, input.revision));
          if (a.adoptedFrom !== undefined) store.appendEvent(adoptedEvent(a, source, input.appliedBy, input.revision));
          if (a.released) store.appendEvent(releasedEvent(a, source, RELEASED_TO, input.appliedBy, input.revision));
        }
      }
    }
    const outcome: CommitOutcome = { actions, storeVersion: store.resourcesVersion() };
    if (!input.dryRun) input.inTransaction?.(outcome);
    return outcome;
  };
  return input.dryRun ? pass() : withBusyRetry(() => store.writeTransaction(pass));
}

/**
 * SQLite already waits up to its busy timeout for the write lock; a writer
 * that held it longer than that (a very large pass) is waited for again
 * rather than surfacing "database is locked" to a user.
 */
function withBusyRetry<T>(fn: () => T, attempts = 4): T {
  for (let i = 1; ; i++) {
    try {
      return fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= attempts || typeof code !== "string" || !code.startsWith("SQLITE_BUSY")) throw err;
    }
  }
}
