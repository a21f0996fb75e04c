/**
 * @module Knowing a directory is unchanged without reading it, as git's
 * index does: each file's size, inode, mtime and ctime are remembered with
 * its content digest, and a file whose stat is the same is not read again.
 * A file changed within the same clock tick as it was recorded would keep
 * its stat, so an entry recorded less than RACY_NS after its file's mtime is
 * not trusted ("racily clean") and the file is read again.
 */
import { readFileSync, renameSync, statSync } from "node:fs";
import { writeFileSync } from "node:fs";

const RACY_NS = 2_000_000_000n;

export interface FileStat {
  /** `size:ino:mtimeNs:ctimeNs`, compared as a whole. */
  key: string;
  mtimeNs: bigint;
}

export interface StatEntry {
  stat: string;
  digest: string;
}

interface CacheFile {
  version: 1;
  recordedAtMs: number;
  entries: Record<string, StatEntry>;
}

export function statOf(abs: string): FileStat | undefined {
  try {
    const s = statSync(abs, { bigint: true });
    return { key: `${s.size}:${s.ino}:${s.mtimeNs}:${s.ctimeNs}`, mtimeNs: s.mtimeNs };
  } catch {
    return undefined;
  }
}

export class StatCache {
  private entries: Record<string, StatEntry> = {};
  private recordedAtNs = 0n;

  /** `path`: where the cache is kept between processes; in memory only without one. */
  constructor(private readonly path?: string) {
    if (!path) return;
    try {
      const file = JSON.parse(readFileSync(path, "utf8")) as CacheFile;
      if (file.version === 1 && typeof file.entries === "object" && typeof file.recordedAtMs === "number") {
        this.entries = file.entries;
        this.recordedAtNs = BigInt(file.recordedAtMs) * 1_000_000n;
      }
    } catch {
      // Missing or unreadable: every file is read.
    }
  }

  /** The remembered digest of `file`, when its stat is as recorded and was not racy then. */
  digestIfUnchanged(file: string, stat: FileStat): string | undefined {
    const e = this.entries[file];
    if (!e || e.stat !== stat.key || stat.mtimeNs + RACY_NS > this.recordedAtNs) return undefined;
    return e.digest;
  }

  /** Replaces the entries; saved when anything was read (new, changed or racy files) or removed. */
  replace(entries: Map<string, StatEntry>, readAny: boolean): void {
    const removed = Object.keys(this.entries).some((f) => !entries.has(f));
    this.entries = Object.fromEntries(entries);
    if (!readAny && !removed) return;
    this.recordedAtNs = BigInt(Date.now()) * 1_000_000n;
    if (!this.path) return;
    const file: CacheFile = { version: 1, recordedAtMs: Number(this.recordedAtNs / 1_000_000n), entries: this.entries };
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(file));
      renameSync(tmp, this.path);
    } catch {
      // The cache only saves work: failing to write it costs a read next time.
    }
  }
}
