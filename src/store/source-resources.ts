/**
 * @module The half of a SourceStore that is Source resources: listing,
 * reading, adding and removing sources and writing their status and
 * suspension through the resource store's own interface, so the SQLite and
 * PostgreSQL stores keep sources the same way. Each backend keeps the
 * inventories and reconcile requests in its own tables and deletes a
 * Source's inventory in the transaction that deletes the Source.
 */
import type { JsonObject } from "../resources/types.js";
import { ResourceConflictError } from "./errors.js";
import { hashedContent } from "./hashed-content.js";
import { SOURCE_KIND, sourceKey, sourceManifest, sourceRecordOf } from "./source-resource.js";
import { SourceExistsError, type SourceRecord, type SourceSpec, type SourceStatus, type Suspension } from "./source-store.js";
import type { Store } from "./store.js";

export class SourceResources {
  constructor(
    private readonly resources: Store,
    /** Throws ReadonlyStoreError naming `what` when the store was opened read-only. */
    private readonly assertWritable: (what: string) => void,
  ) {}

  list(): SourceRecord[] {
    return this.resources
      .listResources({ kind: SOURCE_KIND, project: "" })
      .map(sourceRecordOf)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): SourceRecord | undefined {
    const r = this.resources.getResource(sourceKey(name));
    return r && sourceRecordOf(r);
  }

  add(spec: SourceSpec, actor: string): SourceRecord {
    this.assertWritable("add a source");
    const manifest = sourceManifest(spec);
    const resource = { ...manifest, metadata: { ...manifest.metadata, project: "" } };
    try {
      this.resources.writeTransaction(() => {
        if (this.resources.getResource(sourceKey(spec.name))) throw new SourceExistsError(spec.name);
        this.resources.commit([{ op: "create", resource: { ...resource, hash: this.resources.contentHash(SOURCE_KIND, hashedContent(manifest) as JsonObject), origin: { appliedBy: actor } } }], actor);
      });
    } catch (err) {
      if (err instanceof ResourceConflictError) throw new SourceExistsError(spec.name);
      throw err;
    }
    return this.get(spec.name)!;
  }

  remove(name: string, actor: string): boolean {
    this.assertWritable("remove a source");
    return this.resources.writeTransaction((): boolean => {
      if (!this.resources.getResource(sourceKey(name))) return false;
      // The inventory goes with it (the store's trigger deletes it, whoever deletes the Source).
      this.resources.commit([{ op: "delete", key: sourceKey(name), reason: "deleted" }], actor);
      return true;
    });
  }

  setStatus(name: string, status: SourceStatus): void {
    this.assertWritable("set a source status");
    this.resources.writeTransaction(() => {
      const current = this.get(name);
      if (!current) return;
      const next: SourceStatus = { ...status };
      delete next.suspended;
      if (current.status.suspended) next.suspended = current.status.suspended;
      this.resources.setStatus(sourceKey(name), next as unknown as JsonObject);
    });
  }

  setSuspension(name: string, suspension: Suspension | null): boolean {
    this.assertWritable(suspension ? "suspend a source" : "resume a source");
    return this.resources.writeTransaction((): boolean => {
      const current = this.get(name);
      if (!current) return false;
      const next: SourceStatus = { ...current.status };
      if (suspension) next.suspended = suspension;
      else delete next.suspended;
      return this.resources.setStatus(sourceKey(name), next as unknown as JsonObject);
    });
  }
}
