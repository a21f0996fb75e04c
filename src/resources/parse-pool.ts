/**
 * @module Parsing many manifest files on worker threads. YAML parsing is
 * most of a cold apply of a large tree, and it is pure: files are split
 * into one batch per core and parsed at once, each worker returning plain
 * data (parse.ts `parseManifestData`) that the caller gives positions to.
 * Small sets are parsed inline: starting a worker costs more than they do.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { parseManifestData, withPositions, type ParseResult } from "./parse.js";
import type { ParseJob, ParseReply } from "./parse-worker.js";

/** Below this much text, parsing inline is faster than starting workers. */
export const PARALLEL_PARSE_MIN_BYTES = 1 << 20;

export interface TextFile {
  file: string;
  text: string;
}

/** Parses every file, in order; on several threads when there is enough to parse and cores to parse it on. */
export async function parseFiles(files: readonly TextFile[]): Promise<ParseResult[]> {
  const threads = Math.min(availableParallelism(), 4);
  const bytes = files.reduce((n, f) => n + f.text.length, 0);
  if (threads < 2 || files.length < 2 || bytes < PARALLEL_PARSE_MIN_BYTES) return files.map((f) => withPositions(f.text, f.file, parseManifestData(f.text, f.file)));
  const workerUrl = new URL("./parse-worker.js", import.meta.url);
  // Running from TypeScript sources (tests) there is no compiled worker: parse inline.
  if (!workerUrl.pathname.endsWith(".js") || import.meta.url.endsWith(".ts")) return files.map((f) => withPositions(f.text, f.file, parseManifestData(f.text, f.file)));

  const batches = splitBySize(files, threads);
  const results = await Promise.all(batches.map((batch, id) => parseOnWorker(workerUrl, { id, files: batch })));
  const out: ParseResult[] = [];
  batches.forEach((batch, b) => batch.forEach((f, i) => out.push(withPositions(f.text, f.file, results[b]![i]!))));
  return out;
}

/** Contiguous batches of about equal text size, so the order of files is kept. */
function splitBySize(files: readonly TextFile[], parts: number): TextFile[][] {
  const total = files.reduce((n, f) => n + f.text.length, 0);
  const target = total / parts;
  const batches: TextFile[][] = [[]];
  let size = 0;
  for (const f of files) {
    if (size >= target && batches.length < parts) {
      batches.push([]);
      size = 0;
    }
    batches[batches.length - 1]!.push(f);
    size += f.text.length;
  }
  return batches.filter((b) => b.length > 0);
}

function parseOnWorker(url: URL, job: ParseJob): Promise<ParseReply["results"]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url);
    worker.once("message", (reply: ParseReply) => {
      resolve(reply.results);
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`parse worker exited with code ${code}`));
    });
    worker.postMessage(job);
  });
}
