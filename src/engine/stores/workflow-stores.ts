/**
 * @module Workflow stores as steps and the `store` command use them: the
 * store's config resolved from its WorkflowStore (in the project, else the
 * default project), values checked against its schema before anything is
 * written, retention (`max_entries`, `ttl_seconds`/`ttl_days`) applied on
 * every write and by `prune`, and expired entries never read back.
 */
import { isAbsolute, join, resolve } from "node:path";
import type { JsonObject, JsonValue } from "../../resources/types.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import type { Home } from "../../store/home-location.js";
import type { Store } from "../../store/store.js";
import { openWorkflowStoreEntries, type Retention, type StoreEntry, type StoreEntryQuery, type StoreSummary } from "../../store/workflow-store-entries.js";
import type { StoreBackend } from "./backends/backend.js";
import { CommandStoreBackend } from "./backends/command.js";
import { FileStoreBackend } from "./backends/file.js";
import { LocalStoreBackend } from "./backends/local.js";
import { notBeforeOf, storeConfigOf, type StoreConfig } from "./store-config.js";
import { schemaProblems } from "./value-schema.js";

/** The file backend's directory when a store names no base_path. */
export const DEFAULT_FILE_STORE_DIR = "stores";

/** A store operation that cannot be done: a value its schema refuses, a provider that does not exist. */
export class WorkflowStoreError extends Error {
  override name = "WorkflowStoreError";
}

export interface PutResult {
  /** Entries retention removed after the write. */
  pruned: number;
}

interface ResolvedStore {
  config: StoreConfig;
  /** Or, when it cannot be used (a provider that does not exist), what every operation fails with. */
  backend: StoreBackend | { refused: string };
  /** Retention of a store without a TTL (it does not move with the clock). */
  fixedRetention: Retention | undefined;
}

export class WorkflowStores {
  private local: LocalStoreBackend | undefined;

  constructor(
    private readonly store: Store,
    private readonly home: Home,
  ) {}

  /** The WorkflowStore spec of `name` in the project, else in the default project. */
  private spec(kind: string, project: string, name: string): JsonObject | undefined {
    const own = this.store.getResource({ project, kind, name });
    if (own) return own.spec;
    return project === DEFAULT_PROJECT ? undefined : this.store.getResource({ project: DEFAULT_PROJECT, kind, name })?.spec;
  }

  /** Stores resolved since the stored resources last changed (any change, by any process, moves the version). */
  private resolved = new Map<string, ResolvedStore>();
  private resolvedVersion = -1;

  /**
   * The store's config and backend, read from its resources once per
   * resources version: a call costs one read of the version, not a read and
   * parse of the WorkflowStore (and its provider) every time.
   */
  private resolve(project: string, name: string): ResolvedStore {
    const version = this.store.resourcesVersion();
    if (version !== this.resolvedVersion) {
      this.resolved.clear();
      this.resolvedVersion = version;
    }
    const key = `${project}\u0000${name}`;
    let r = this.resolved.get(key);
    if (!r) {
      const config = storeConfigOf(name, this.spec("WorkflowStore", project, name), (provider) => this.spec("StoreBackendProvider", project, provider));
      // A provider that does not exist fails each operation (not the config read: `store list` still shows the store).
      let backend: ResolvedStore["backend"];
      try {
        backend = this.backend(project, config);
      } catch (err) {
        if (!(err instanceof WorkflowStoreError)) throw err;
        backend = { refused: err.message };
      }
      const fixed: Retention = config.retention.maxEntries !== undefined ? { maxEntries: config.retention.maxEntries } : {};
      r = { config, backend, fixedRetention: config.retention.ttlSeconds === undefined ? fixed : undefined };
      this.resolved.set(key, r);
    }
    return r;
  }

  config(project: string, name: string): StoreConfig {
    return this.resolve(project, name).config;
  }

  private backendOf(r: ResolvedStore): StoreBackend {
    if ("refused" in r.backend) throw new WorkflowStoreError(r.backend.refused);
    return r.backend;
  }

  private backend(project: string, config: StoreConfig): StoreBackend {
    const b = config.backend;
    if (b.kind === "local") return (this.local ??= new LocalStoreBackend(openWorkflowStoreEntries(this.store)));
    if (b.kind === "file") {
      const base = b.basePath === undefined ? join(this.home.dir, DEFAULT_FILE_STORE_DIR) : isAbsolute(b.basePath) ? b.basePath : resolve(this.home.root, b.basePath);
      return new FileStoreBackend(base);
    }
    if (!b.commands) {
      throw new WorkflowStoreError(`store '${config.name}' uses provider '${b.provider}', which is not a StoreBackendProvider in project '${project}'; apply one or set backend: local`);
    }
    return new CommandStoreBackend(b.provider, b.commands, this.home.root);
  }

  /** What retention keeps now: the same object every time for a store without a TTL. */
  private retention(r: ResolvedStore): Retention {
    if (r.fixedRetention) return r.fixedRetention;
    const out: Retention = {};
    if (r.config.retention.maxEntries !== undefined) out.maxEntries = r.config.retention.maxEntries;
    const notBefore = notBeforeOf(r.config);
    if (notBefore !== undefined) out.notBefore = notBefore;
    return out;
  }

  async get(project: string, name: string, key: string): Promise<StoreEntry | undefined> {
    const r = this.resolve(project, name);
    return this.backendOf(r).get(project, name, key, notBeforeOf(r.config));
  }

  /** Checks the value against the store's schema, then writes it; nothing is written when the check fails. */
  async put(project: string, name: string, key: string, value: JsonValue, taskId: string | null = null): Promise<PutResult> {
    if (key === "") throw new WorkflowStoreError(`store '${name}': the key is empty`);
    const r = this.resolve(project, name);
    if (r.config.schema) {
      const problems = schemaProblems(value, r.config.schema);
      if (problems.length) throw new WorkflowStoreError(`store '${name}' key '${key}': the value does not match the store's schema: ${problems.join("; ")}`);
    }
    return this.backendOf(r).put(project, name, key, value, { taskId, retention: this.retention(r) });
  }

  async delete(project: string, name: string, key: string): Promise<boolean> {
    return this.backendOf(this.resolve(project, name)).delete(project, name, key);
  }

  async list(project: string, name: string, query: Omit<StoreEntryQuery, "notBefore"> = {}): Promise<StoreEntry[]> {
    const r = this.resolve(project, name);
    const notBefore = notBeforeOf(r.config);
    return this.backendOf(r).list(project, name, { ...query, ...(notBefore !== undefined ? { notBefore } : {}) });
  }

  /** Removes what the store's retention does not keep; 0 for a store without retention. */
  async prune(project: string, name: string): Promise<number> {
    const r = this.resolve(project, name);
    const retention = this.retention(r);
    if (retention.maxEntries === undefined && retention.notBefore === undefined) return 0;
    return this.backendOf(r).prune(project, name, retention);
  }

  /** Local stores of the project that hold entries, with the declared ones that hold none. */
  summaries(project: string): Array<StoreSummary & { declared: boolean; backend: string }> {
    const held = new Map(openWorkflowStoreEntries(this.store).listStores(project).map((s) => [s.store, s]));
    const declared = this.store.listResources({ project, kind: "WorkflowStore" }).map((r) => r.metadata.name);
    const names = [...new Set([...held.keys(), ...declared])].sort();
    return names.map((n) => {
      const c = this.config(project, n);
      const s = held.get(n);
      return { store: n, entries: c.backend.kind === "local" ? (s?.entries ?? 0) : -1, updatedAt: s?.updatedAt ?? "", declared: c.declared, backend: c.backend.kind === "command" ? `command (${c.backend.provider})` : c.backend.kind };
    });
  }
}
