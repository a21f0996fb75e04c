/**
 * @module Reading manifest files of a source, with paths shown relative to
 * the source root and a digest of each file's bytes. This runs on every
 * pass, so bytes are hashed as read and binary content is detected natively.
 */
import { createHash } from "node:crypto";
import { isUtf8 } from "node:buffer";
import { readFileSync, statSync } from "node:fs";
import { relative } from "node:path";
import type { Diagnostic } from "../../resources/diagnostics.js";
import { listManifestFiles } from "../../resources/load.js";
import type { SourceFile } from "../desired-cache.js";
import type { SourceFiles } from "./types.js";

/** `dir` (a directory, or one file) must exist; files come in a stable (sorted) order. */
export function readManifestTree(dir: string, root: string): SourceFiles {
  const files: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const abs of manifestPaths(dir)) {
    const read = readManifestFile(abs, shownPath(root, abs));
    if ("diagnostic" in read) diagnostics.push(read.diagnostic);
    else files.push(read);
  }
  return { files, diagnostics };
}

export function manifestPaths(dir: string): string[] {
  return statSync(dir).isDirectory() ? listManifestFiles(dir) : [dir];
}

/** `/`-separated, relative to the source root. */
export function shownPath(root: string, abs: string): string {
  return relative(root, abs).split("\\").join("/");
}

export function readManifestFile(abs: string, shown: string): SourceFile | { diagnostic: Diagnostic } {
  let buf: Buffer;
  try {
    buf = readFileSync(abs);
  } catch (err) {
    return { diagnostic: { severity: "error", code: "io", message: `cannot read '${shown}': ${(err as Error).message}` } };
  }
  return manifestFromBytes(buf, shown);
}

/** A file's bytes as a manifest, or why they are not one (binary content). */
export function manifestFromBytes(buf: Buffer, shown: string): SourceFile | { diagnostic: Diagnostic } {
  if (looksBinary(buf)) {
    return {
      diagnostic: {
        severity: "error",
        code: "binary",
        message: `'${shown}' is a binary file, not YAML`,
        position: { file: shown, line: 1, column: 1 },
        hint: "remove it from the source, or rename it so it does not end in .yaml or .yml",
      },
    };
  }
  return { file: shown, text: buf.toString("utf8"), digest: createHash("sha256").update(buf).digest("hex") };
}

/** As git decides: a NUL byte or invalid UTF-8 in the first 8 KiB (a character cut at the end of the slice is fine). */
function looksBinary(buf: Buffer): boolean {
  const head = buf.subarray(0, 8192);
  if (head.includes(0)) return true;
  if (isUtf8(head)) return false;
  if (head.length === buf.length) return true;
  for (let cut = 1; cut <= 3; cut++) if (isUtf8(head.subarray(0, head.length - cut))) return false;
  return true;
}
