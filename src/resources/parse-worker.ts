/**
 * @module The worker side of parse-pool.ts: parses the files it is sent and
 * posts back their plain data, in order.
 */
import { parentPort } from "node:worker_threads";
import { parseManifestData, type ParsedData } from "./parse.js";

export interface ParseJob {
  id: number;
  files: { file: string; text: string }[];
}

export interface ParseReply {
  id: number;
  results: ParsedData[];
}

parentPort?.on("message", (job: ParseJob) => {
  const reply: ParseReply = { id: job.id, results: job.files.map((f) => parseManifestData(f.text, f.file)) };
  parentPort!.postMessage(reply);
});
