/**
 * @module The entries of local WorkflowStores (the embedded backend): one
 * JSON value per project, store and key, with the task that wrote it. The
 * engine and the `store` commands reach them through src/engine/stores,
 * which adds schemas, retention and the other backends.
 */
import type { JsonValue } from "../resources/types.js";
import type { Store } from "./store.js";

export interface StoreEntry {
  key: string;
  value: JsonValue;
  /** The task that wrote it (`store put --task-id`, or the task whose step wrote it). */
  taskId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Which entries retention keeps: at most `maxEntries` (newest first), none updated before `notBefore`. */
export interface Retention {
  maxEntries?: number;
  /** ISO time; entries updated before it have expired. */
  notBefore?: string;
}

export interface StoreEntryQuery {
  limit?: number;
  offset?: number;
  /** Only entries this task wrote. */
  taskId?: string;
  /** Entries updated before this ISO time are left out (expired). */
  notBefore?: string;
}

export interface StoreSummary {
  store: string;
  entries: number;
  updatedAt: string;
}

export interface WorkflowStoreEntries {
  /** The entry, unless absent or updated before `notBefore`. */
  getEntry(project: string, store: string, key: string, notBefore?: string): StoreEntry | undefined;
  /** Writes (insert or replace) and applies retention in one transaction; returns the entry and how many entries retention removed. */
  putEntry(project: string, store: string, key: string, value: JsonValue, opts?: { taskId?: string | null; retention?: Retention }): { entry: StoreEntry; pruned: number };
  /** True when the key existed. */
  deleteEntry(project: string, store: string, key: string): boolean;
  /** Newest first. */
  listEntries(project: string, store: string, query?: StoreEntryQuery): StoreEntry[];
  countEntries(project: string, store: string, notBefore?: string): number;
  /** Removes what retention does not keep; returns the count. */
  pruneEntries(project: string, store: string, retention: Retention): number;
  /** Stores of a project that hold entries. */
  listStores(project: string): StoreSummary[];
  /** Removes every entry of a project (when the project is deleted); returns the count. */
  deleteProjectEntries(project: string): number;
}

/** A Store that also keeps local WorkflowStore entries (both the SQLite and the PostgreSQL store do). */
export interface WorkflowStoreEntriesProvider {
  workflowStoreEntries(): WorkflowStoreEntries;
}

/** The entries kept in a Store's database; throws for a backend without them. */
export function openWorkflowStoreEntries(store: Store): WorkflowStoreEntries {
  const provider = store as Store & Partial<WorkflowStoreEntriesProvider>;
  if (typeof provider.workflowStoreEntries !== "function") {
    throw new Error(`the store at ${store.path} does not keep local WorkflowStore entries`);
  }
  return provider.workflowStoreEntries();
}
