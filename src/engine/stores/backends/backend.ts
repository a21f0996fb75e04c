/**
 * @module What every WorkflowStore backend offers: the same five operations
 * the `store` command and the engine use, on one store of one project.
 */
import type { JsonValue } from "../../../resources/types.js";
import type { Retention, StoreEntry, StoreEntryQuery } from "../../../store/workflow-store-entries.js";

export interface StoreBackend {
  get(project: string, store: string, key: string, notBefore?: string): Promise<StoreEntry | undefined>;
  put(project: string, store: string, key: string, value: JsonValue, opts: { taskId: string | null; retention: Retention }): Promise<{ pruned: number }>;
  delete(project: string, store: string, key: string): Promise<boolean>;
  list(project: string, store: string, query: StoreEntryQuery): Promise<StoreEntry[]>;
  prune(project: string, store: string, retention: Retention): Promise<number>;
}

/** A backend operation that failed: a provider command exited non-zero, a file could not be read. */
export class StoreBackendError extends Error {
  override name = "StoreBackendError";
}
