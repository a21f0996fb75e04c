/**
 * @module Running a validation job (validate-job.ts) on a worker thread.
 * The controller validates off its event loop: steps' output, timeouts
 * and signals are served while a large or hostile set is parsed and
 * checked. The worker's heap is bounded: a job that would exhaust it ends
 * the worker, not the controller, and the pass fails with that reason.
 */
import { Worker } from "node:worker_threads";
import { runValidateJob, type ValidatedFile, type ValidateJob } from "./validate-job.js";

/** Heap of a validation worker; validating 50 MB of manifests needs about half of it. */
const WORKER_HEAP_MB = 2048;

export async function validateOffThread(job: ValidateJob): Promise<ValidatedFile[]> {
  const url = new URL("./validate-worker.js", import.meta.url);
  // Running from TypeScript sources (tests) there is no compiled worker: validate inline.
  if (import.meta.url.endsWith(".ts")) return runValidateJob(job);
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    let done = false;
    worker.once("message", (reply: ValidatedFile[]) => {
      done = true;
      resolve(reply);
      void worker.terminate();
    });
    worker.once("error", (err) => {
      done = true;
      reject(new Error(`validating the manifest set failed: ${err.message}`));
    });
    worker.once("exit", (code) => {
      if (!done) reject(new Error(`validating the manifest set stopped (worker exit code ${code})`));
    });
    worker.postMessage(job);
  });
}
