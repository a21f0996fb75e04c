/**
 * @module The file backend: one JSON file per entry under
 * `<base_path>/<project>/<store>/`, named by the key (percent-encoded, so a
 * key cannot leave the directory). The file holds the value with the task
 * that wrote it and when; a file is replaced atomically (written aside, then
 * renamed).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JsonValue } from "../../../resources/types.js";
import type { Retention, StoreEntry, StoreEntryQuery } from "../../../store/workflow-store-entries.js";
import { StoreBackendError, type StoreBackend } from "./backend.js";

interface FileEntry {
  value: JsonValue;
  task_id: string | null;
  created_at: string;
  updated_at: string;
}

const SUFFIX = ".json";

export class FileStoreBackend implements StoreBackend {
  /** `base`: absolute directory of the backend. */
  constructor(private readonly base: string) {}

  private dir(project: string, store: string): string {
    return join(this.base, encodeURIComponent(project), encodeURIComponent(store));
  }

  private file(project: string, store: string, key: string): string {
    // encodeURIComponent leaves `.` alone: `..` as a key must not name the parent.
    return join(this.dir(project, store), `${encodeURIComponent(key).replace(/\./g, "%2E")}${SUFFIX}`);
  }

  private read(path: string, key: string): StoreEntry | undefined {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new StoreBackendError(`cannot read store entry file ${path}: ${(err as Error).message}`);
    }
    let f: FileEntry;
    try {
      f = JSON.parse(text) as FileEntry;
    } catch (err) {
      throw new StoreBackendError(`store entry file ${path} is not JSON: ${(err as Error).message}`);
    }
    return { key, value: f.value, taskId: f.task_id ?? null, createdAt: f.created_at, updatedAt: f.updated_at };
  }

  private all(project: string, store: string): StoreEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.dir(project, store));
    } catch {
      return [];
    }
    const out: StoreEntry[] = [];
    for (const n of names) {
      if (!n.endsWith(SUFFIX)) continue;
      const key = decodeURIComponent(n.slice(0, -SUFFIX.length));
      const e = this.read(join(this.dir(project, store), n), key);
      if (e) out.push(e);
    }
    return out.sort((a, b) => (a.updatedAt === b.updatedAt ? a.key.localeCompare(b.key) : a.updatedAt < b.updatedAt ? 1 : -1));
  }

  async get(project: string, store: string, key: string, notBefore?: string): Promise<StoreEntry | undefined> {
    const e = this.read(this.file(project, store, key), key);
    return e && (notBefore === undefined || e.updatedAt >= notBefore) ? e : undefined;
  }

  async put(project: string, store: string, key: string, value: JsonValue, opts: { taskId: string | null; retention: Retention }): Promise<{ pruned: number }> {
    const path = this.file(project, store, key);
    const now = new Date().toISOString();
    const before = this.read(path, key);
    const entry: FileEntry = { value, task_id: opts.taskId, created_at: before?.createdAt ?? now, updated_at: now };
    try {
      mkdirSync(this.dir(project, store), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(entry));
      renameSync(tmp, path);
    } catch (err) {
      throw new StoreBackendError(`cannot write store entry file ${path}: ${(err as Error).message}`);
    }
    return { pruned: await this.prune(project, store, opts.retention) };
  }

  async delete(project: string, store: string, key: string): Promise<boolean> {
    const path = this.file(project, store, key);
    const existed = this.read(path, key) !== undefined;
    rmSync(path, { force: true });
    return existed;
  }

  async list(project: string, store: string, query: StoreEntryQuery): Promise<StoreEntry[]> {
    const kept = this.all(project, store).filter((e) => (query.notBefore === undefined || e.updatedAt >= query.notBefore) && (query.taskId === undefined || e.taskId === query.taskId));
    const from = query.offset ?? 0;
    return query.limit === undefined ? kept.slice(from) : kept.slice(from, from + query.limit);
  }

  async prune(project: string, store: string, retention: Retention): Promise<number> {
    const entries = this.all(project, store);
    let removed = 0;
    entries.forEach((e, i) => {
      const expired = retention.notBefore !== undefined && e.updatedAt < retention.notBefore;
      const excess = retention.maxEntries !== undefined && i >= retention.maxEntries;
      if (!expired && !excess) return;
      rmSync(this.file(project, store, e.key), { force: true });
      removed++;
    });
    return removed;
  }
}
