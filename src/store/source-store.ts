/**
 * @module The SourceStore interface: the sources desired state comes from
 * (a directory or a git remote), their status and conditions, the inventory
 * of what each applied, and the `reconcile` requests a controller picks up.
 * A source is a `Source` resource (cluster-wide, applied like any other,
 * possibly by a source itself); its reconcile status is that resource's
 * status.
 */
import type { JsonObject } from "../resources/types.js";
import type { Store } from "./store.js";

export type SourceType = "dir" | "git";

/** What `source add` records: where documents come from and how they are applied. */
export interface SourceSpec {
  name: string;
  type: SourceType;
  /** `dir`: the directory as given, relative to the project root unless absolute. */
  dir?: string;
  /** `git`: the remote URL. */
  url?: string;
  /** `git`: branch, tag or commit; the remote's default branch when absent. */
  ref?: string;
  /** `git`: the directory inside the repository; the whole tree when absent. */
  path?: string;
  /** How often the source is read again (a git remote fetched). */
  intervalMs: number;
  /** Project for documents that name none. */
  project: string;
  /** Delete what this source applied and no longer contains. */
  prune: boolean;
  /** `spec.suspend`: the manifest stops reconciling (only the manifest lifts it). */
  suspend?: boolean;
  /**
   * A SecretStore (in the source's project, else the default project) whose
   * values sign push notifications to `/hooks/sources/<name>`
   * (`spec.webhookSecretRef.name`); without it a loopback listener takes
   * them unsigned and any other refuses them.
   */
  webhookSecret?: string;
}

/** Who suspended a source with `source suspend`, and when (kept in its status, so a sync does not undo it). */
export interface Suspension {
  time: string;
  by: string;
}

/** A condition as the Kubernetes API conventions have it. */
export interface Condition {
  type: "Ready" | "Reconciling" | "Stalled";
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface SourceStatus {
  conditions: Condition[];
  /** Commit sha (git) or `sha256:<hex>` of the files (dir) last applied. */
  lastAppliedRevision: string | null;
  /** The revision the last pass worked on, applied or not. */
  lastAttemptedRevision: string | null;
  lastAppliedAt: string | null;
  lastAttemptedAt: string | null;
  /** Why the last pass failed, one message per error; empty after a good pass. */
  errors: string[];
  /** Failed passes in a row, for backoff. */
  failures: number;
  /**
   * The store's resource version and the source's settings fingerprint the
   * last pass saw: when both and the revision are the same again, the pass
   * has nothing to do.
   */
  observedStoreVersion: number | null;
  observedConfig: string | null;
  /** Set by `source suspend`, cleared by `source resume`. */
  suspended?: Suspension;
}

export interface SourceRecord extends SourceSpec {
  status: SourceStatus;
  createdAt: string;
  updatedAt: string;
  /** The Source resource's generation and who applied it (`cli`, `source:<name>`). */
  generation: number;
  appliedBy: string;
}

/** Suspended by its manifest or by `source suspend`: no pass runs until both are lifted. */
export function isSuspended(s: Pick<SourceRecord, "suspend" | "status">): boolean {
  return s.suspend === true || s.status.suspended !== undefined;
}

/** One resource a source applied, with the content hash it applied. */
export interface InventoryItem {
  project: string;
  kind: string;
  name: string;
  hash: string;
  /**
   * The source took it over from a resource applied by hand (or left by a
   * removed source): when the source drops it, it is released, never pruned.
   */
  adopted?: boolean;
}

/** Which source's inventory holds a resource. */
export interface InventoryClaim {
  source: string;
  project: string;
  kind: string;
  name: string;
}

export interface InventoryChanges {
  upsert: readonly InventoryItem[];
  remove: readonly { project: string; kind: string; name: string }[];
}

export interface ReconcileRequest {
  id: number;
  /** null: every source. */
  source: string | null;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  result: JsonObject | null;
}

export interface SourceStore {
  listSources(): SourceRecord[];
  getSource(name: string): SourceRecord | undefined;
  /** Commits a Source resource applied by `actor`; throws SourceExistsError when the name is taken. */
  addSource(spec: SourceSpec, actor?: string): SourceRecord;
  /** Deletes the Source resource and its inventory (the resources it applied stay); false when absent. */
  removeSource(name: string, actor?: string): boolean;
  /** Replaces the reconcile status; a suspension recorded meanwhile is kept. */
  setSourceStatus(name: string, status: SourceStatus): void;
  /** Records (or, with null, clears) a `source suspend`; false when the source is absent. */
  setSuspension(name: string, suspension: Suspension | null): boolean;

  getInventory(source: string): InventoryItem[];
  inventoryCount(source: string): number;
  /** Applies both lists; call inside the transaction that commits the resources. */
  updateInventory(source: string, changes: InventoryChanges): void;
  /** The first source (by name) other than `except` whose inventory holds the resource. */
  inventoryClaimant(key: { project: string; kind: string; name: string }, except: string): string | undefined;
  /**
   * Hands a resource `from` applied over to `to` (`cli`) without changing its
   * content: the source no longer declares it and did not create it. Its
   * origin file, line and commit are cleared (they named the source's copy).
   * False when the resource is absent or another applier holds it now.
   */
  releaseResource(key: { project: string; kind: string; name: string }, from: string, to: string): boolean;

  /** Records a request for a running controller; returns its id. */
  requestReconcile(source: string | null): number;
  /** Marks every pending request started and returns them, oldest first. */
  claimReconcileRequests(): ReconcileRequest[];
  finishReconcileRequest(id: number, result: JsonObject): void;
  getReconcileRequest(id: number): ReconcileRequest | undefined;
}

/** Implemented by stores that keep sources (the SQLite store does). */
export interface SourceStoreProvider {
  sourceStore(): SourceStore;
}

export function emptySourceStatus(): SourceStatus {
  return {
    conditions: [],
    lastAppliedRevision: null,
    lastAttemptedRevision: null,
    lastAppliedAt: null,
    lastAttemptedAt: null,
    errors: [],
    failures: 0,
    observedStoreVersion: null,
    observedConfig: null,
  };
}

/** The SourceStore of `store`; throws when this backend keeps no sources. */
export function sourceStoreOf(store: Store): SourceStore {
  const provider = store as Store & Partial<SourceStoreProvider>;
  if (typeof provider.sourceStore !== "function") {
    throw new Error(`store ${store.path} does not keep sources`);
  }
  return provider.sourceStore();
}

export class SourceExistsError extends Error {
  override readonly name = "SourceExistsError";
  constructor(readonly source: string) {
    super(`source '${source}' already exists; remove it first with \`orchestrator source remove ${source}\``);
  }
}
