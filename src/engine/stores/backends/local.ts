/**
 * @module The local backend: entries in the embedded store's own database.
 */
import type { JsonValue } from "../../../resources/types.js";
import type { Retention, StoreEntry, StoreEntryQuery, WorkflowStoreEntries } from "../../../store/workflow-store-entries.js";
import type { StoreBackend } from "./backend.js";

export class LocalStoreBackend implements StoreBackend {
  constructor(private readonly entries: WorkflowStoreEntries) {}

  async get(project: string, store: string, key: string, notBefore?: string): Promise<StoreEntry | undefined> {
    return this.entries.getEntry(project, store, key, notBefore);
  }

  async put(project: string, store: string, key: string, value: JsonValue, opts: { taskId: string | null; retention: Retention }): Promise<{ pruned: number }> {
    return { pruned: this.entries.putEntry(project, store, key, value, opts).pruned };
  }

  async delete(project: string, store: string, key: string): Promise<boolean> {
    return this.entries.deleteEntry(project, store, key);
  }

  async list(project: string, store: string, query: StoreEntryQuery): Promise<StoreEntry[]> {
    return this.entries.listEntries(project, store, query);
  }

  async prune(project: string, store: string, retention: Retention): Promise<number> {
    return this.entries.pruneEntries(project, store, retention);
  }
}
