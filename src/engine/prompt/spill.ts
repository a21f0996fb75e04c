/**
 * @module Spilling large pipeline values to files. A value over 4096 bytes
 * would bloat a prompt or a command line; it is written to a file under the
 * spill directory and offered as `{<key>_path}`, while `{<key>}` keeps the
 * first 4096 bytes and a note saying where the rest is.
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
 * Writes every value over the limit to `<spillDir>/<key>-<hash>.txt`. The
 * content hash in the name keeps parallel items from overwriting each other
 * and makes a repeated call a no-op. A `<key>_path` the caller set wins.
 */
export function spillLargeValues(vars: Readonly<Record<string, string>>, spillDir: string): SpillResult {
  const out: Record<string, string> = { ...vars };
  const files: SpilledFile[] = [];
  for (const [key, value] of Object.entries(vars)) {
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes <= INLINE_LIMIT_BYTES) continue;
    const hash = createHash("sha256").update(value).digest("hex").slice(0, 12);
    const path = join(spillDir, `${safeFileStem(key)}-${hash}.txt`);
    if (!existsSync(path)) {
      mkdirSync(spillDir, { recursive: true });
      writeFileSync(path, value, "utf8");
    }
    files.push({ key, path, bytes });
    out[key] = `${truncateUtf8(value, INLINE_LIMIT_BYTES)}...\n[truncated — full content at ${path}]`;
    if (!Object.hasOwn(vars, `${key}_path`)) out[`${key}_path`] = path;
  }
  return { vars: out, files };
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
