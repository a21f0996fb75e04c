/**
 * @module What `orchestrator diff` compares: configured sources against the
 * store, files against the store, or two commits of a repository against
 * each other (no store at all). Each yields resource diffs (created,
 * changed field by field, deleted when prune would delete it) and every
 * error and warning of the new side.
 */
import { BUILTIN_KINDS } from "../resources/kinds.js";
import type { Diagnostic } from "../resources/diagnostics.js";
import type { Resource } from "../resources/types.js";
import type { Home } from "../store/home.js";
import type { Store } from "../store/store.js";
import { Reason } from "./conditions.js";
import { DesiredSetCache, type SourceFile } from "./desired-cache.js";
import { diffResource, type ResourceDiff } from "./diff/index.js";
import { readTreeAtCommit, resolveCommit } from "./git/index.js";
import { keyOf, keyString, normalized, type PlannedAction } from "./plan.js";
import { runPipeline } from "./pipeline.js";
import { reconcileSourcePasses } from "./reconcile-sources.js";

export interface DiffReport {
  diffs: ResourceDiff[];
  diagnostics: Diagnostic[];
  /** Sources that could not be read or planned, one message each. */
  failures: string[];
  /** Sources not ready but not failing (a directory that does not exist yet). */
  notes: string[];
}

const UNSCOPED: ReadonlySet<string> = new Set(BUILTIN_KINDS.filter((k) => !k.projectScoped).map((k) => k.kind));

/** Each planned action as a resource diff; secret values are redacted by diffResource. */
export function diffsOfActions(actions: readonly PlannedAction[]): ResourceDiff[] {
  return actions.map((a): ResourceDiff => {
    const desired = a.document?.resource;
    if (a.verb === "created") return diffResource(undefined, normalized(desired!));
    if (a.verb === "pruned") {
      if (a.live) return diffResource(normalized(a.live), undefined);
      return { kind: a.key.kind, name: a.key.name, project: projectShown(a.key), action: "delete", changes: [], unified: "" };
    }
    // A source taking back a resource whose content is equal reads as unchanged: only the applier moves.
    if (a.verb === "configured" && a.live && desired) return diffResource(normalized(a.live), normalized(desired));
    return { kind: a.key.kind, name: a.key.name, project: projectShown(a.key), action: "unchanged", changes: [], unified: "" };
  });
}

function projectShown(key: { kind: string; project: string }): string {
  return UNSCOPED.has(key.kind) ? "" : key.project;
}

/** Configured sources against the store: git sources are fetched first; nothing is written. */
export async function diffSources(home: Home, store: Store, names: readonly string[] = []): Promise<DiffReport> {
  const passes = await reconcileSourcePasses({ home, store, sources: names, dryRun: true, withLive: true, planDespiteErrors: true });
  const report: DiffReport = { diffs: [], diagnostics: [], failures: [], notes: [] };
  for (const p of passes) {
    report.diagnostics.push(...p.result.diagnostics);
    report.diffs.push(...diffsOfActions(p.actions));
    if (p.result.ready || p.actions.length > 0 || p.result.diagnostics.length > 0) continue;
    const line = `source ${p.result.source}: ${p.result.reason}: ${p.result.message}`;
    if (p.result.reason === Reason.PathNotFound) report.notes.push(line);
    else report.failures.push(line);
  }
  return report;
}

export interface FilesDiffOptions {
  project?: string;
  /** As `apply --prune`: show what it would delete. */
  prune?: boolean;
}

/** Files against the store, as `apply -f` would change it. */
export async function diffFiles(store: Store, files: readonly SourceFile[], readDiagnostics: readonly Diagnostic[], opts: FilesDiffOptions = {}): Promise<DiffReport> {
  const outcome = await runPipeline({
    store,
    files,
    readDiagnostics,
    appliedBy: "cli",
    prune: opts.prune ? "kinds" : "none",
    dryRun: true,
    withLive: true,
    planDespiteErrors: true,
    ...(opts.project ? { project: opts.project } : {}),
  });
  const failures = !outcome.ok && outcome.actions.length === 0 && outcome.diagnostics.length === 0 ? [outcome.message] : [];
  return { diffs: diffsOfActions(outcome.actions), diagnostics: outcome.diagnostics, failures, notes: [] };
}

export interface CommitsDiffOptions {
  repoDir: string;
  from: string;
  to: string;
  /** Directory (or file) inside the repository; `manifests` by default. */
  path?: string;
}

/**
 * Two commits of a repository against each other, read from the object
 * database (the working tree is not touched). Deleted means: in `from`, not
 * in `to`, which a source with prune would delete.
 */
export async function diffCommits(opts: CommitsDiffOptions): Promise<DiffReport & { fromCommit: string; toCommit: string }> {
  const path = opts.path ?? "manifests";
  const fromCommit = await resolveCommit(opts.repoDir, opts.from);
  const toCommit = await resolveCommit(opts.repoDir, opts.to);
  const [before, after] = await Promise.all([readTreeAtCommit(opts.repoDir, fromCommit, path), readTreeAtCommit(opts.repoDir, toCommit, path)]);
  const old = new DesiredSetCache().build(before);
  const next = new DesiredSetCache().build(after);
  const { controllerDiagnostics } = await import("./controller-validation.js");
  const diagnostics = [...next.diagnostics, ...controllerDiagnostics(next.documents, undefined)];

  const byKey = (docs: readonly { resource: Resource }[]): Map<string, Resource> => {
    const m = new Map<string, Resource>();
    for (const d of docs) {
      const r = d.resource;
      if (typeof r.kind !== "string" || typeof r.metadata?.name !== "string" || r.metadata.name === "") continue;
      const id = keyString(keyOf(r));
      if (!m.has(id)) m.set(id, normalized(r));
    }
    return m;
  };
  const was = byKey(old.documents);
  const now = byKey(next.documents);
  const diffs: ResourceDiff[] = [];
  for (const [id, r] of now) diffs.push(diffResource(was.get(id), r));
  for (const [id, r] of was) if (!now.has(id)) diffs.push(diffResource(r, undefined));
  return { diffs, diagnostics, failures: [], notes: [], fromCommit, toCommit };
}
