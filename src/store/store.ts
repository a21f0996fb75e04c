/**
 * @module The Store interface: everything the CLI, the reconciler and the
 * engine persist. SQL stays behind it so another backend can be added
 * without touching callers.
 */
import type { JsonObject, Metadata, ResourceKey } from "../resources/types.js";

/** Where an applied resource came from: `cli`, or `source:<name>`. */
export interface ResourceOrigin {
  appliedBy: string;
  file?: string;
  line?: number;
  commit?: string;
}

export interface StoredResource {
  apiVersion: string;
  kind: string;
  metadata: Metadata & { project: string };
  spec: JsonObject;
  status?: JsonObject;
  generation: number;
  /** Content hash over spec, labels, annotations and description. */
  hash: string;
  origin: ResourceOrigin;
  createdAt: string;
  updatedAt: string;
}

/** What planning needs of a stored resource, without reading its spec. */
export interface ResourceHead {
  project: string;
  kind: string;
  name: string;
  hash: string;
  generation: number;
  appliedBy: string;
}

export interface ResourceFilter {
  project?: string;
  kind?: string;
  name?: string;
  /** Every project when true; `project` is then ignored. */
  allProjects?: boolean;
}

/** What a resource is written as: the envelope, its hash and where it came from. */
export interface ResourceWrite {
  apiVersion: string;
  kind: string;
  metadata: Metadata & { project: string };
  spec: JsonObject;
  hash: string;
  origin: ResourceOrigin;
}

export type ResourceChange =
  | { op: "create"; resource: ResourceWrite }
  /** `specChanged` bumps generation; labels-only changes do not. */
  | { op: "update"; resource: ResourceWrite; specChanged: boolean }
  | { op: "delete"; key: ResourceKey; reason?: "deleted" | "pruned" };

export interface StoredEvent {
  id: number;
  ts: string;
  type: string;
  project: string | null;
  kind: string | null;
  name: string | null;
  message: string;
  actor: string | null;
  taskId: string | null;
  runId: string | null;
  data: JsonObject | null;
}

export interface NewEvent {
  type: string;
  project?: string | null;
  kind?: string | null;
  name?: string | null;
  message: string;
  actor?: string | null;
  taskId?: string | null;
  runId?: string | null;
  data?: JsonObject | null;
}

export interface EventFilter {
  project?: string;
  kind?: string;
  name?: string;
  type?: string;
  taskId?: string;
  /** Only events after this id (for following a stream); with `limit`, the oldest `limit` of those. */
  sinceId?: number;
  limit?: number;
}

/** Which trigger a webhook delivery id belongs to. */
export interface TriggerDeliveryKey {
  project: string;
  trigger: string;
  /** The id its sender gave the delivery (X-GitHub-Delivery, ...). */
  deliveryId: string;
}

/** A webhook delivery a trigger fired or skipped a firing for, kept so a redelivery of it creates nothing. */
export interface TriggerDelivery extends TriggerDeliveryKey {
  /** ISO time it was taken. */
  receivedAt: string;
  /** `fired`, or the reason the firing was skipped. */
  outcome: string;
  /** The task the firing created. */
  taskId: string | null;
}

export interface MigrationInfo {
  version: number;
  name: string;
  appliedAt: string | null;
}

export interface StoreStatus {
  path: string;
  sizeBytes: number;
  journalMode: string;
  schemaVersion: number;
  latestVersion: number;
  pending: number;
  resources: number;
  events: number;
  projects: number;
}

export interface Store {
  readonly path: string;
  close(): void;

  getResource(key: ResourceKey): StoredResource | undefined;
  /**
   * As getResource, with a SecretStore's values left sealed (`{$enc: ...}`):
   * for planning over values no key can open any more (a revoked key).
   */
  getSealedResource(key: ResourceKey): StoredResource | undefined;
  listResources(filter?: ResourceFilter): StoredResource[];
  /** As listResources, without specs: cheap enough to read a whole project on every pass. */
  listResourceHeads(filter?: ResourceFilter): ResourceHead[];
  /**
   * Runs fn in one write transaction taken at once (BEGIN IMMEDIATE), so what
   * fn reads cannot change before what it writes commits. Writes inside
   * (commit, setStatus, appendEvent) join it; fn must be synchronous.
   */
  writeTransaction<T>(fn: () => T): T;
  /** A counter every change to any resource's content moves (never a status write). */
  resourcesVersion(): number;
  /**
   * Writes all changes in one transaction, recording one event per change
   * (`resource_created`, `resource_updated`, `resource_deleted`/`resource_pruned`).
   * Either every change lands or none does.
   */
  commit(changes: readonly ResourceChange[], actor: string): void;
  /** Deletes every resource of the project (and the Project resource itself); returns the count. */
  deleteProject(project: string, actor: string): number;
  /** Names of projects that hold resources or are declared by a Project resource. */
  listProjects(): string[];
  /** Content hash of a resource as the store computes it (keyed for secrets). */
  contentHash(kind: string, content: JsonObject): string;

  /**
   * Replaces a resource's status (written by the engine and controllers, never
   * from a manifest); generation, hash and updatedAt stay. False when absent.
   */
  setStatus(key: ResourceKey, status: JsonObject | null): boolean;
  /** Store-level facts (`created_at`, and whatever later work records). */
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;

  appendEvent(event: NewEvent): void;
  listEvents(filter?: EventFilter): StoredEvent[];

  /** The delivery kept for the trigger under this id, unless none is or it was received before `notBefore` (ISO time). */
  getTriggerDelivery(key: TriggerDeliveryKey, notBefore: string): TriggerDelivery | undefined;
  /**
   * Records a delivery, unless one with its id is kept for the trigger
   * (received at or after `notBefore`): then returns that one and records
   * nothing. Check and write are one insert on a unique key, so two
   * processes taking the same delivery at once record it once. Forgets
   * deliveries received before `notBefore`. Joins an open write transaction.
   */
  recordTriggerDelivery(delivery: TriggerDelivery, notBefore: string): TriggerDelivery | undefined;

  status(): StoreStatus;
  migrations(): MigrationInfo[];
}
