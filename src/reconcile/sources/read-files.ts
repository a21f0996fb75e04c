/**
 * @module Reading manifest files of a source, with paths shown relative to
 * the source root and a digest of each file's bytes. This runs on every
 * pass, so bytes are hashed as read and binary content is detected natively.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { relative } from "node:path";
import type { Diagnostic } from "../../resources/diagnostics.js";
import { binaryDiagnostic, listManifestFiles, readFileBytes, refusalDiagnostic } from "../../resources/load.js";
import { MAX_MANIFEST_FILE_BYTES } from "../../resources/safe-read.js";
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
  const buf = readFileBytes(abs, shown);
  return Buffer.isBuffer(buf) ? manifestFromBytes(buf, shown) : buf;
}

/** A file's bytes as a manifest, or why they are not one (binary content). */
export function manifestFromBytes(buf: Buffer, shown: string): SourceFile | { diagnostic: Diagnostic } {
  // Git blobs come here without passing safe-read.ts: the same size limit holds for them.
  if (buf.length > MAX_MANIFEST_FILE_BYTES) {
    return { diagnostic: refusalDiagnostic({ reason: "too-large", message: `'${shown}' is ${(buf.length / 1048576).toFixed(1)} MiB, over the limit of ${MAX_MANIFEST_FILE_BYTES / 1048576} MiB for one manifest file`, hint: "split it into several files" }, shown) };
  }
  const binary = binaryDiagnostic(buf, shown, "remove it from the source, or rename it so it does not end in .yaml or .yml");
  if (binary) return { diagnostic: binary };
  return { file: shown, text: buf.toString("utf8"), digest: createHash("sha256").update(buf).digest("hex") };
}
