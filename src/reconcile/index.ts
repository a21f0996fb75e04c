/**
 * @module The reconcile layer's public face: what the controller process,
 * the engine and the CLI call.
 */
export { startSourceReconciler, type SourceReconciler, type SourceReconcilerOptions } from "./reconciler.js";
export { reconcileSources, reconcileSourcePasses, selectSources, UnknownSourceError, type ReconcileSourcesOptions } from "./reconcile-sources.js";
export { reconcileSource, type SourcePass, type SourcePassContext, type SourcePassOptions } from "./source-pass.js";
export { runPipeline, type PipelineInput, type PipelineResult } from "./pipeline.js";
export { runWatch, type WatchOptions } from "./watch.js";
export { requestAndWait, type ReconcileAnswer } from "./requests.js";
export { Reason, type Condition, type ReasonCode } from "./conditions.js";
export type { PassChange, PassCounts, PassResult } from "./pass-result.js";
export type { ReconcileLog, ReconcileLogEntry } from "./log.js";
export { DesiredSetCache, type DesiredSet, type SourceFile } from "./desired-cache.js";
export { statusFilePath, writeStatusFiles } from "./status-files.js";
