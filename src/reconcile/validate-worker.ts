/**
 * @module The worker side of validate-pool.ts: runs one validation job and
 * posts back its result.
 */
import { parentPort } from "node:worker_threads";
import { runValidateJob, type ValidateJob } from "./validate-job.js";

parentPort?.once("message", (job: ValidateJob) => {
  parentPort!.postMessage(runValidateJob(job));
});
