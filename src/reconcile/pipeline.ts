/**
 * @module The one pipeline behind `apply -f`, `sync`, `watch`, the
 * controller and `diff`: build the desired set, validate it whole, plan and
 * commit it in one transaction, run the kind controllers' after-commit
 * effects, write status files. Callers differ only in where the files come
 * from and whether the plan is committed.
 */
import type { ControllerHooks } from "../../controllers/types.js";
import { registryWith } from "../resources/crd-kinds.js";
import { formatPath, hasErrors, type Diagnostic } from "../resources/diagnostics.js";
import type { JsonObject, ParsedDocument, Resource } from "../resources/types.js";
import type { Home } from "../store/home.js";
import type { Store } from "../store/store.js";
import { Reason, type ReasonCode } from "./conditions.js";
import { controllerDiagnostics } from "./controller-validation.js";
import { crdCommands, crdRefusals, hooksByKind, loadPluginPolicy, runCrdHook } from "./crd-plugins.js";
import { applyDigest, recalledApply, rememberApply, type ApplyMemo } from "./apply-memo.js";
import { planAndCommit, type CommitOutcome } from "./commit.js";
import { DesiredSetCache, type SourceFile } from "./desired-cache.js";
import { decryptSecretValues, hasEncryptedValues } from "./decrypt.js";
import { PassRefusedError } from "./ownership.js";
import { runAfterCommitEffects } from "./effects.js";
import { prepareDesired, type PlannedAction, type PruneMode } from "./plan.js";
import { clearStatusPending, markStatusPending, resyncStatusFiles, statusPending, writeStatusFiles } from "./status-files.js";

export type PipelinePhase = "building" | "validating" | "applying" | "effects" | "status";

export interface PipelineInput {
  store: Store;
  /** Where status files go; none are written without it. */
  home?: Home;
  files: readonly SourceFile[];
  /** Problems met while reading the files (unreadable, binary). */
  readDiagnostics?: readonly Diagnostic[];
  /** Keeps parsed and validated files across passes (watch, controller). */
  cache?: DesiredSetCache;
  /** Project for documents that name none. */
  project?: string;
  appliedBy: string;
  /** Sources: the name whose inventory decides prune and drift. */
  source?: string;
  prune: PruneMode;
  dryRun: boolean;
  /** Revision of the source, and the git commit recorded on each resource. */
  revision?: string;
  commit?: string;
  hooks?: ControllerHooks;
  /** Read full stored resources of every change (for diffs). */
  withLive?: boolean;
  /**
   * Dry runs only: plan the documents that have a kind and a name even when
   * the set has errors, so a review shows the changes next to the errors.
   */
  planDespiteErrors?: boolean;
  onPhase?: (phase: PipelinePhase) => void;
  /** Runs inside the commit transaction (sources record their status there). */
  inTransaction?: (outcome: CommitOutcome) => void;
  /** `apply -f`: answer a re-apply of an unchanged set to an unchanged store from memory (apply-memo.ts). */
  memo?: { version: string };
}

export interface PipelineResult {
  /** False when the pass stopped; `reason` says why. */
  ok: boolean;
  reason: ReasonCode;
  message: string;
  /** Empty when the pass stopped before planning. */
  actions: PlannedAction[];
  /** Every error and warning of the desired set. */
  diagnostics: Diagnostic[];
  /** True once the plan was committed (even if an effect then failed). */
  committed: boolean;
  storeVersion: number | null;
  documents: number;
}

export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const { store } = input;
  const cache = input.cache ?? new DesiredSetCache();

  // The same files into a store no one changed since the last apply of them: all unchanged.
  const digest =
    input.memo && !input.dryRun && !input.readDiagnostics?.length
      ? applyDigest({ files: input.files, project: input.project, prune: input.prune, appliedBy: input.appliedBy, version: input.memo.version })
      : undefined;
  const memo = digest === undefined ? undefined : recalledApply(store, digest);
  if (memo) return recalled(input, memo);

  // Build: parse every file (unchanged files come from the cache) and place documents in projects.
  input.onPhase?.("building");
  const storedCrds = store.listResources({ kind: "CustomResourceDefinition", allProjects: true });
  await cache.prime(input.files, { project: input.project });
  const set = cache.build(input.files, { project: input.project, storedCrds }, input.readDiagnostics ?? []);

  // Validate the whole set: schemas, cross-document checks, then what each kind controller adds,
  // then CRD commands against the plugin policy (a dry run is told what the apply would refuse).
  input.onPhase?.("validating");
  const diagnostics = [...set.diagnostics, ...controllerDiagnostics(set.documents, store), ...crdPolicyDiagnostics(set.documents, input.home?.dir, input.dryRun)];
  const base = { diagnostics, documents: set.documents.length };
  let documents = set.documents;
  /** False once documents with errors were left out to plan the rest (dry runs only). */
  let whole = true;
  if (hasErrors(diagnostics)) {
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    const failed = { ...base, ok: false, reason: Reason.ValidationFailed, message: `${errors} error${errors === 1 ? "" : "s"} in the manifest set; nothing was applied`, actions: [], committed: false, storeVersion: null };
    if (!(input.dryRun && input.planDespiteErrors)) return failed;
    documents = plannable(documents);
    whole = false;
  }

  // Encrypted SecretStore values (ENC[age,...]) are decrypted in memory; the store seals them at rest.
  if (hasEncryptedValues(documents)) {
    const decrypted = await decryptSecretValues(documents, input.home?.dir);
    if (decrypted.diagnostics.length) {
      diagnostics.push(...decrypted.diagnostics);
      const failed = { ...base, diagnostics, ok: false, reason: Reason.DecryptionFailed, message: `${decrypted.failed} SecretStore${decrypted.failed === 1 ? "" : "s"} could not be decrypted; nothing was applied`, actions: [], committed: false, storeVersion: null };
      if (!(input.dryRun && input.planDespiteErrors)) return failed;
      whole = false;
    }
    documents = decrypted.documents;
  }

  // CRD hooks run before what they are about is committed; a failing one refuses the whole pass.
  if (!input.dryRun) {
    const refused = await runCrdHooks(input, documents, storedCrds, cache);
    if (refused) return { ...base, ok: false, reason: Reason.HookFailed, message: `${refused}; nothing was applied`, actions: [], committed: false, storeVersion: null };
  }

  // Plan and commit in one write transaction. Status files of this applier lag behind the store
  // from the commit until they are written: a mark says so, in case the process dies in between.
  input.onPhase?.("applying");
  const statusHome = input.dryRun ? undefined : input.home;
  if (statusHome) {
    if (statusPending(statusHome, input.appliedBy)) resyncStatusFiles(statusHome, store, input.appliedBy);
    markStatusPending(statusHome, input.appliedBy);
  }
  const crds = [...storedCrds, ...documents.filter((d) => d.resource.kind === "CustomResourceDefinition").map((d) => d.resource)];
  let outcome: CommitOutcome;
  try {
    outcome = planAndCommit({
      store,
      desired: prepareDesired(documents, store, cache.prepared),
      registry: registryWith(crds),
      appliedBy: input.appliedBy,
      prune: input.prune,
      dryRun: input.dryRun,
      ...(input.source !== undefined ? { source: input.source } : {}),
      ...(input.commit ? { commit: input.commit } : {}),
      ...(input.revision ? { revision: input.revision } : {}),
      ...(input.withLive ? { withLive: true } : {}),
      inTransaction: (committed) => {
        input.inTransaction?.(committed);
        if (digest !== undefined && whole) {
          const keys = committed.actions.filter((a) => a.verb !== "pruned").map((a) => a.key);
          rememberApply(store, { digest, resourcesVersion: committed.storeVersion, keys, diagnostics });
        }
      },
    });
  } catch (err) {
    if (statusHome) clearStatusPending(statusHome, input.appliedBy);
    if (err instanceof PassRefusedError) return { ...base, diagnostics: [...diagnostics, ...err.diagnostics], ok: false, reason: err.reason, message: err.message, actions: [], committed: false, storeVersion: null };
    return { ...base, ok: false, reason: Reason.ApplyFailed, message: (err as Error).message, actions: [], committed: false, storeVersion: null };
  }
  const done = { ...base, actions: outcome.actions, storeVersion: outcome.storeVersion };
  if (input.dryRun) {
    const valid = whole;
    return { ...done, ok: valid, reason: valid ? Reason.Succeeded : Reason.ValidationFailed, message: "dry run: nothing was written", committed: false };
  }

  // After-commit effects of each kind (enqueue Tasks and Runs, reschedule Triggers, refresh agents).
  input.onPhase?.("effects");
  const effectErrors = await runAfterCommitEffects(store, outcome.actions, input.hooks ?? {}, input.appliedBy);

  // Status files of what changed.
  input.onPhase?.("status");
  if (statusHome) {
    writeStatusFiles(statusHome, store, outcome.actions, { appliedBy: input.appliedBy, ...(input.revision ? { revision: input.revision } : {}) });
    clearStatusPending(statusHome, input.appliedBy);
  }
  if (effectErrors.length) {
    return { ...done, ok: false, reason: Reason.AfterCommitFailed, message: effectErrors.join("; "), committed: true };
  }
  return { ...done, ok: true, reason: Reason.Succeeded, message: "applied", committed: true };
}

/** A remembered apply: nothing to write, but level-triggered work (Task/Run effects, status repair) still runs. */
async function recalled(input: PipelineInput, memo: ApplyMemo): Promise<PipelineResult> {
  const { store } = input;
  if (input.home && statusPending(input.home, input.appliedBy)) resyncStatusFiles(input.home, store, input.appliedBy);
  const actions: PlannedAction[] = memo.keys.map((key) => ({ verb: "unchanged", key }));
  const effectErrors = await runAfterCommitEffects(store, [], input.hooks ?? {}, input.appliedBy);
  const done = { diagnostics: memo.diagnostics, documents: memo.keys.length, actions, committed: false, storeVersion: memo.resourcesVersion };
  if (effectErrors.length) return { ...done, ok: false, reason: Reason.AfterCommitFailed, message: effectErrors.join("; ") };
  return { ...done, ok: true, reason: Reason.Succeeded, message: "unchanged since the last apply of these files" };
}

/** Documents with a string kind and name, placed in a project: enough to key and compare. */
function plannable(documents: readonly ParsedDocument[]): ParsedDocument[] {
  const seen = new Set<string>();
  return documents.filter((d) => {
    const r = d.resource;
    if (typeof r.kind !== "string" || typeof r.metadata?.name !== "string" || r.metadata.name === "") return false;
    if (r.kind !== "Project" && typeof r.metadata.project !== "string") return false;
    // A duplicate would be planned twice; the first one stands for it.
    const id = `${r.metadata.project ?? ""}\u0000${r.kind}\u0000${r.metadata.name}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The plugin policy's refusals of the set's CRDs: errors for an apply, warnings for a dry run. */
function crdPolicyDiagnostics(documents: readonly ParsedDocument[], homeDir: string | undefined, dryRun: boolean): Diagnostic[] {
  const crds = documents.filter((d) => d.resource.kind === "CustomResourceDefinition" && d.resource.spec && crdCommands(d.resource.spec).length + pluginCount(d.resource.spec) > 0);
  if (crds.length === 0) return [];
  let policy;
  try {
    policy = loadPluginPolicy(homeDir);
  } catch (err) {
    return [{ severity: "error", code: "crd", message: (err as Error).message }];
  }
  return crds.flatMap((d) =>
    crdRefusals(d.resource.spec, policy).map((r): Diagnostic => ({
      severity: dryRun ? "warning" : "error",
      code: "crd",
      message: dryRun ? `apply would refuse this: ${r.message}` : r.message,
      resource: `customresourcedefinition/${d.resource.metadata.name}`,
      path: formatPath(r.path),
      position: d.positionOf(r.path),
      hint: r.hint,
    })),
  );
}

function pluginCount(spec: JsonObject): number {
  return Array.isArray(spec["plugins"]) ? spec["plugins"].length : 0;
}

/**
 * Runs the hooks of the instance changes this pass would commit (a plan is
 * made without committing to know them); the first failure is returned.
 */
async function runCrdHooks(input: PipelineInput, documents: readonly ParsedDocument[], storedCrds: readonly Resource[], cache: DesiredSetCache): Promise<string | undefined> {
  const crds = [...storedCrds, ...documents.filter((d) => d.resource.kind === "CustomResourceDefinition").map((d) => d.resource)];
  const hooked = hooksByKind(crds);
  if (hooked.size === 0) return undefined;
  const planned = planAndCommit({
    store: input.store,
    desired: prepareDesired(documents, input.store, cache.prepared),
    registry: registryWith(crds),
    appliedBy: input.appliedBy,
    prune: input.prune,
    dryRun: true,
    ...(input.source !== undefined ? { source: input.source } : {}),
  });
  const byKey = new Map(documents.map((d) => [`${d.resource.metadata.project ?? ""}\u0000${d.resource.kind}\u0000${d.resource.metadata.name}`, d.resource]));
  const cwd = input.home?.root ?? process.cwd();
  for (const a of planned.actions) {
    const hooks = hooked.get(a.key.kind);
    if (!hooks) continue;
    const action = a.verb === "created" ? "create" : a.verb === "pruned" ? "delete" : a.verb === "configured" && a.change?.op === "update" && a.change.specChanged ? "update" : undefined;
    const command = action ? hooks[`on_${action}`] : undefined;
    if (!action || typeof command !== "string") continue;
    const resource = byKey.get(`${a.key.project}\u0000${a.key.kind}\u0000${a.key.name}`) ?? input.store.getResource(a.key);
    try {
      await runCrdHook(command, cwd, input.home?.dir, { kind: a.key.kind, name: a.key.name, project: a.key.project, action, spec: resource?.spec ?? {} });
    } catch (err) {
      return (err as Error).message;
    }
  }
  return undefined;
}
