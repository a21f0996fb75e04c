/**
 * @module One reconcile pass over one source, told as Flux's
 * kustomize-controller tells it: fetch the revision, skip if nothing
 * changed, build and validate the whole desired set, plan and commit it in
 * one transaction (apply, prune, drift, adoption and release; a resource
 * another source manages refuses the pass), run the kind controllers'
 * after-commit effects, write status files. Every way the pass can stop has
 * a reason code, and the source's conditions say where it is at any moment.
 */
import type { ControllerHooks } from "../../controllers/types.js";
import type { Diagnostic } from "../resources/diagnostics.js";
import type { Home } from "../store/home.js";
import { isSuspended, sourceStoreOf, type SourceRecord } from "../store/source-store.js";
import type { Store } from "../store/store.js";
import { findCondition, Reason } from "./conditions.js";
import type { DesiredSetCache } from "./desired-cache.js";
import { silentLog, type ReconcileLog } from "./log.js";
import { conflictDiagnostics, ownershipConflictError } from "./ownership.js";
import { changesOfPass, countActions, emptyCounts, type PassResult } from "./pass-result.js";
import type { PipelineResult } from "./pipeline.js";
import type { PlannedAction } from "./plan.js";
import { displayRevision, isUpToDate, SourceStatusRecorder } from "./source-status.js";
import { resyncStatusFiles, statusPending } from "./status-files.js";
import { fetchSourceRevision, type FetchOptions } from "./sources/fetch.js";
import { forgetSourceFiles } from "./sources/forget.js";
import { isFetchFailure, type FetchedRevision } from "./sources/types.js";

export interface SourcePassContext {
  home: Home;
  store: Store;
  hooks?: ControllerHooks;
  /** This source's parse cache, kept across passes by watch and the controller. */
  cache?: DesiredSetCache;
  fetch?: FetchOptions;
  log?: ReconcileLog;
}

export interface SourcePassOptions {
  /** Plan only: nothing is written, no status, no events. */
  dryRun?: boolean;
  /** Read the full stored resource of every change (for `diff`). */
  withLive?: boolean;
  /** Dry runs: plan what can be planned even when the set has errors (for `diff`). */
  planDespiteErrors?: boolean;
}

export interface SourcePass {
  result: PassResult;
  /** The plan in full (documents, live resources), for `diff`; empty when the pass stopped early or was up to date. */
  actions: PlannedAction[];
}

export async function reconcileSource(ctx: SourcePassContext, source: SourceRecord, opts: SourcePassOptions = {}): Promise<SourcePass> {
  const pass = await passOverSource(ctx, source, opts);
  // A git clone shows the commit in effect: checked out once applied, left where it was by a failed pass or a dry run.
  if (source.type === "git" && opts.dryRun !== true) await keepAppliedCheckout(ctx, source);
  return pass;
}

/** What a pass over a suspended source says: how it was suspended and how to resume it. */
export function suspendedResult(source: SourceRecord): PassResult {
  const by = source.status.suspended;
  const how = source.suspend ? "by its manifest (spec.suspend: true); set it to false there to resume" : `by ${by?.by ?? "someone"} at ${by?.time ?? "?"}; \`orchestrator source resume ${source.name}\` resumes it`;
  return {
    source: source.name,
    revision: source.status.lastAppliedRevision,
    ready: findCondition(source.status.conditions, "Ready")?.status === "True",
    reason: Reason.Suspended,
    message: `suspended ${how}`,
    upToDate: true,
    dryRun: false,
    changes: [],
    counts: emptyCounts(),
    diagnostics: [],
    durationMs: 0,
    suspended: true,
  };
}

async function passOverSource(ctx: SourcePassContext, source: SourceRecord, opts: SourcePassOptions): Promise<SourcePass> {
  // A suspended source is not passed over; a dry run (diff) still shows what resuming would do.
  if (opts.dryRun !== true && isSuspended(source)) return { result: suspendedResult(source), actions: [] };
  const started = Date.now();
  const dryRun = opts.dryRun === true;
  const log = ctx.log ?? silentLog;
  const appliedBy = `source:${source.name}`;
  const status = new SourceStatusRecorder(ctx.store, source, dryRun);
  const finish = (r: Omit<PassResult, "source" | "dryRun" | "durationMs">, actions: PlannedAction[] = []): SourcePass => {
    const result: PassResult = { source: source.name, dryRun, durationMs: Date.now() - started, ...r };
    const c = result.counts;
    const changed = result.changes.length > 0 ? ` (${c.created} created, ${c.configured} configured, ${c.pruned} pruned, ${c.drifted} drift corrected)` : "";
    const outcome = `${result.reason}: ${result.message}`;
    log({ level: result.ready ? "info" : "error", source: source.name, message: `${outcome}${changed}`, data: { outcome, changes: result.changes.length } });
    return { result, actions };
  };
  const stop = (reason: string, message: string, revision: string | null, diagnostics: PassResult["diagnostics"] = []): SourcePass => {
    status.failed(reason, message, revision, diagnostics);
    return finish({ revision, ready: false, reason, message, upToDate: false, changes: [], counts: emptyCounts(), diagnostics });
  };

  // Fetch the revision: read the directory, or fetch the remote (its new commit is read, not checked out).
  if (source.type === "git") status.progress(`fetching ${source.url ?? ""}`);
  const fetched = await fetchSourceRevision(ctx.home, source, ctx.fetch);
  if (isFetchFailure(fetched)) return stop(fetched.reason, status.failureMessage(fetched.reason, fetched.message, null), null);
  const revision = fetched.revision;
  const shown = displayRevision(revision, fetched.ref);
  status.fetched(revision);

  // Skip the pass when the revision, the store and the settings are all as the last pass left them.
  if (!dryRun && isUpToDate(source.status, revision, ctx.store.resourcesVersion(), status.configKey)) {
    // Status files left behind by a pass that died after its commit catch up now.
    if (statusPending(ctx.home, appliedBy)) resyncStatusFiles(ctx.home, ctx.store, appliedBy, { revision });
    // Level-triggered effects still run: a Task committed before an engine was there starts now.
    if (hasHooks(ctx.hooks)) {
      const { runAfterCommitEffects } = await import("./effects.js");
      const effectErrors = await runAfterCommitEffects(ctx.store, [], ctx.hooks, appliedBy);
      if (effectErrors.length) return stop(Reason.AfterCommitFailed, effectErrors.join("; "), revision);
    }
    const ready = source.status.lastAppliedRevision === revision;
    const counts = { ...emptyCounts(), unchanged: ready ? sourceStoreOf(ctx.store).inventoryCount(source.name) : 0 };
    return finish({
      revision,
      ready,
      reason: ready ? Reason.Succeeded : Reason.ValidationFailed,
      message: ready ? `Applied revision: ${shown}` : status.failureMessage(Reason.ValidationFailed, source.status.errors.join("; "), revision, shown),
      upToDate: true,
      changes: [],
      counts,
      diagnostics: [],
    });
  }

  // Build, validate, plan and commit in one transaction, then effects and status files.
  status.progress(`applying revision ${shown}`);
  let planned: PipelineResult;
  try {
    planned = await buildAndApply(ctx, source, fetched, opts, status, shown);
  } catch (err) {
    // Whatever went wrong, the source says so: it never stays Reconciling with no error.
    return stop(Reason.ApplyFailed, status.failureMessage(Reason.ApplyFailed, (err as Error).message, revision, shown), revision);
  }
  // A dry run plans around resources another source manages; a real pass is refused inside its transaction.
  const outcome = dryRun ? withConflicts(planned, conflictDiagnostics(ctx.store, source.name, planned.actions)) : planned;
  if (!outcome.ok) {
    const message = status.failureMessage(outcome.reason, outcome.message, revision, shown);
    const pass = stop(outcome.reason, message, revision, outcome.diagnostics);
    if (outcome.committed || dryRun) {
      // Applied but an effect failed, or a dry run planned despite errors: report the plan too.
      pass.result.changes = changesOfPass(outcome.actions);
      pass.result.counts = countActions(outcome.actions);
      pass.actions = outcome.actions;
    }
    return pass;
  }
  // A Source this pass pruned leaves its clone or stat cache behind; its inventory went with it in the commit.
  if (!dryRun) for (const a of outcome.actions) if (a.verb === "pruned" && a.key.kind === "Source") forgetSourceFiles(ctx.home, a.key.name);
  const counts = countActions(outcome.actions);
  return finish(
    {
      revision,
      ready: true,
      reason: Reason.Succeeded,
      message: dryRun ? `dry run of revision ${shown}: nothing was written` : `Applied revision: ${shown}`,
      upToDate: false,
      changes: changesOfPass(outcome.actions),
      counts,
      diagnostics: outcome.diagnostics,
    },
    outcome.actions,
  );
}

/** Reads the revision's files and runs the pipeline over them. */
async function buildAndApply(ctx: SourcePassContext, source: SourceRecord, fetched: FetchedRevision, opts: SourcePassOptions, status: SourceStatusRecorder, shown: string): Promise<PipelineResult> {
  const dryRun = opts.dryRun === true;
  const revision = fetched.revision;
  const appliedBy = `source:${source.name}`;
  const { files, diagnostics: readDiagnostics } = await fetched.read();
  const { runPipeline } = await import("./pipeline.js");
  return runPipeline({
    store: ctx.store,
    home: ctx.home,
    files,
    readDiagnostics,
    project: source.project,
    appliedBy,
    source: source.name,
    prune: source.prune ? "inventory" : "none",
    dryRun,
    revision,
    ...(fetched.commit ? { commit: fetched.commit } : {}),
    ...(ctx.cache ? { cache: ctx.cache } : {}),
    ...(ctx.hooks ? { hooks: ctx.hooks } : {}),
    ...(opts.withLive ? { withLive: true } : {}),
    ...(opts.planDespiteErrors ? { planDespiteErrors: true } : {}),
    inTransaction: (committed) => status.applied(revision, shown, committed.storeVersion),
  });
}

/** A dry run's outcome with the ownership conflicts it planned around, as a real pass would report them. */
function withConflicts(outcome: PipelineResult, conflicts: Diagnostic[]): PipelineResult {
  if (conflicts.length === 0) return outcome;
  const refused = ownershipConflictError(conflicts);
  return {
    ...outcome,
    ok: false,
    reason: outcome.ok ? refused.reason : outcome.reason,
    message: outcome.ok ? refused.message : outcome.message,
    diagnostics: [...outcome.diagnostics, ...conflicts],
  };
}

/** Git: checks the clone out at the source's last applied commit (re-read: another process may have applied since). */
async function keepAppliedCheckout(ctx: SourcePassContext, source: SourceRecord): Promise<void> {
  const applied = sourceStoreOf(ctx.store).getSource(source.name)?.status.lastAppliedRevision;
  if (!applied) return;
  const { checkoutAppliedCommit } = await import("./sources/git-source.js");
  try {
    await checkoutAppliedCommit(ctx.home, source, applied, ctx.fetch);
  } catch (err) {
    // The store is what is in effect; a checkout that failed is tried again on the next pass.
    (ctx.log ?? silentLog)({ level: "warn", source: source.name, message: `cannot check out ${applied.slice(0, 12)} in the clone: ${(err as Error).message}` });
  }
}

/** Without any hook no controller can do anything, and the effects need not even be loaded. */
function hasHooks(hooks: ControllerHooks | undefined): hooks is ControllerHooks {
  return hooks !== undefined && Object.values(hooks).some((h) => h !== undefined);
}
