/**
 * @module Spilling large pipeline values to files. A value over 4096 bytes
 * would bloat a prompt or a command line; it is written to a file under the
 * spill directory and offered as `{<key>_path}`, while `{<key>}` keeps the
 * first 4096 bytes and a note saying where the rest is. A prompt that asks
 * for `{<key>_path}` of a small value gets a file too.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Upstream's inline limit for one pipeline value, in UTF-8 bytes. */
export const INLINE_LIMIT_BYTES = 4096;

export interface SpilledFile {
  key: string;
  path: string;
  bytes: number;
}

export interface SpillResult {
  /** The variables to render with: large values truncated, `<key>_path` added. */
  vars: Record<string, string>;
  /** Files this call wrote (or found already written with the same content). */
  files: SpilledFile[];
}

/**
 * Writes every value over the limit to `<spillDir>/<key>-<hash>.txt`, and
 * every value whose `<key>_path` is in `pathsWanted` (the placeholders a
 * prompt or command uses) whatever its size. The content hash in the name
 * keeps parallel items from overwriting each other and makes a repeated call
 * a no-op. A `<key>_path` the caller set wins.
 */
export function spillLargeValues(vars: Readonly<Record<string, string>>, spillDir: string, pathsWanted: Iterable<string> = []): SpillResult {
  const out: Record<string, string> = { ...vars };
  const files: SpilledFile[] = [];
  const wanted = new Set(pathsWanted);
  for (const [key, value] of Object.entries(vars)) {
    const bytes = Buffer.byteLength(value, "utf8");
    const large = bytes > INLINE_LIMIT_BYTES;
    const pathKey = `${key}_path`;
    if (!large && !(wanted.has(pathKey) && !Object.hasOwn(vars, pathKey))) continue;
    const path = writeSpillFile(spillDir, key, value);
    files.push({ key, path, bytes });
    if (large) out[key] = `${truncateUtf8(value, INLINE_LIMIT_BYTES)}...\n[truncated — full content at ${path}]`;
    if (!Object.hasOwn(vars, pathKey)) out[pathKey] = path;
  }
  return { vars: out, files };
}

function writeSpillFile(spillDir: string, key: string, value: string): string {
  const hash = createHash("sha256").update(value).digest("hex").slice(0, 12);
  const path = join(spillDir, `${safeFileStem(key)}-${hash}.txt`);
  if (!existsSync(path)) {
    mkdirSync(spillDir, { recursive: true });
    writeFileSync(path, value, "utf8");
  }
  return path;
}

/** True when a value would be spilled; such values stay out of CEL contexts. */
export function exceedsInlineLimit(value: string): boolean {
  return value.length > INLINE_LIMIT_BYTES || Buffer.byteLength(value, "utf8") > INLINE_LIMIT_BYTES;
}

/** At most `limit` bytes of `s`, never cutting a character in half. */
function truncateUtf8(s: string, limit: number): string {
  const buf = Buffer.from(s, "utf8");
  if (buf.length <= limit) return s;
  let end = limit;
  // Back up over UTF-8 continuation bytes (10xxxxxx).
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString("utf8");
}

function safeFileStem(key: string): string {
  const stem = key.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^\.+/, "_");
  return stem === "" ? "_" : stem.slice(0, 100);
}
