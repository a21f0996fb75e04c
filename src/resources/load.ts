/**
 * @module Reading manifest files from a path argument: a file, a directory
 * (`*.yaml` and `*.yml`, recursively, in a stable order) or `-` for stdin.
 */
import { isUtf8 } from "node:buffer";
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Diagnostic } from "./diagnostics.js";
import { MAX_MANIFEST_FILE_BYTES, readRegularFile, readUpTo, type ReadRefusal } from "./safe-read.js";

export interface ManifestFile {
  /** Path as shown in messages: relative to the working directory when inside it. */
  file: string;
  absolutePath: string;
  text: string;
}

export interface LoadResult {
  files: ManifestFile[];
  diagnostics: Diagnostic[];
}

const MANIFEST_EXT = /\.ya?ml$/i;

/**
 * Lists manifest files under a directory, sorted by relative path; dot-folders
 * are skipped. Every entry named `*.yaml`/`*.yml` that is not a directory is
 * listed, whatever it is: reading refuses what is not a regular file, so a
 * FIFO or a link to a device is reported rather than skipped in silence.
 */
export function listManifestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith(".") && e.name !== "node_modules") walk(p);
      } else if (MANIFEST_EXT.test(e.name)) {
        out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

export function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith("..") ? rel : abs;
}

/** Reads every path; `-` reads stdin once. Problems become diagnostics, never throws. */
export function loadManifestPaths(paths: readonly string[], cwd: string, readStdin: () => string = readStdinSync): LoadResult {
  const files: ManifestFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const p of paths) {
    if (p === "-") {
      try {
        files.push({ file: "<stdin>", absolutePath: "<stdin>", text: readStdin() });
      } catch (err) {
        if (!(err instanceof StdinTooLargeError)) throw err;
        diagnostics.push({ severity: "error", code: "too-large", message: err.message, hint: "split the input into several files and give -f a directory" });
      }
      continue;
    }
    const abs = resolve(cwd, p);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch (err) {
      const loop = (err as NodeJS.ErrnoException).code === "ELOOP";
      diagnostics.push({
        severity: "error",
        code: "io",
        message: loop ? `path '${p}' is a symbolic link loop (ELOOP)` : `path '${p}' does not exist`,
        hint: loop ? "fix or remove the symbolic link" : "check the path given to -f; it may be a file, a directory or - for stdin",
      });
      continue;
    }
    const list = isDir ? listManifestFiles(abs) : [abs];
    if (isDir && list.length === 0) {
      diagnostics.push({
        severity: "error",
        code: "empty",
        message: `directory '${p}' holds no *.yaml or *.yml files`,
        hint: "point -f at a directory that contains manifests, or at a single file",
      });
    }
    for (const f of list) {
      const read = readManifestFile(f, displayPath(f, cwd));
      if ("diagnostic" in read) diagnostics.push(read.diagnostic);
      else files.push(read);
    }
  }
  return { files, diagnostics };
}

function readManifestFile(abs: string, shown: string): ManifestFile | { diagnostic: Diagnostic } {
  const buf = readFileBytes(abs, shown);
  if (!Buffer.isBuffer(buf)) return buf;
  const binary = binaryDiagnostic(buf, shown, "remove it from the manifest set or give -f only YAML files");
  if (binary) return { diagnostic: binary };
  return { file: shown, absolutePath: abs, text: buf.toString("utf8") };
}

/** A regular file's bytes (see safe-read.ts), or why they cannot be read. */
export function readFileBytes(abs: string, shown: string): Buffer | { diagnostic: Diagnostic } {
  const read = readRegularFile(abs, shown);
  return Buffer.isBuffer(read) ? read : { diagnostic: refusalDiagnostic(read, shown) };
}

/** A refused read as an error at the file. */
export function refusalDiagnostic(r: ReadRefusal, shown: string): Diagnostic {
  const d: Diagnostic = { severity: "error", code: r.reason === "too-large" ? "too-large" : "io", message: r.message, position: { file: shown, line: 1, column: 1 } };
  if (r.hint) d.hint = r.hint;
  return d;
}

/** Binary content where a manifest was expected, as an error at the file; undefined for text. */
export function binaryDiagnostic(buf: Buffer, shown: string, hint: string): Diagnostic | undefined {
  if (!looksBinary(buf)) return undefined;
  return { severity: "error", code: "binary", message: `'${shown}' is a binary file, not YAML`, position: { file: shown, line: 1, column: 1 }, hint };
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

/** Standard input, up to the size limit of one manifest file (a pipe from /dev/zero must not fill memory). */
function readStdinSync(): string {
  try {
    const read = readUpTo(0, MAX_MANIFEST_FILE_BYTES, "<stdin>");
    if (Buffer.isBuffer(read)) return read.toString("utf8");
    throw new StdinTooLargeError(read.message);
  } catch (err) {
    if (err instanceof StdinTooLargeError) throw err;
    return "";
  }
}

export class StdinTooLargeError extends Error {
  override name = "StdinTooLargeError";
}
