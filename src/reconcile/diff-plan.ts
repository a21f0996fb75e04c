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
import { shortRevision } from "./digest.js";
import { diffResource, type DiffFailure, type ResourceDiff } from "./diff/index.js";
import { pathExistsAtCommit, readTreeAtCommit, resolveCommit } from "./git/index.js";
import { RELEASED_TO } from "./ownership.js";
import { keyOf, keyString, normalized, type PlannedAction } from "./plan.js";
import { runPipeline } from "./pipeline.js";
import { reconcileSourcePasses, selectSources } from "./reconcile-sources.js";

export interface DiffReport {
  diffs: ResourceDiff[];
  diagnostics: Diagnostic[];
  /** Sources (or paths) that could not be read or planned; the report leaves them out. */
  failures: DiffFailure[];
  /** Sources not ready but not failing (a directory that does not exist yet). */
  notes: string[];
}

const UNSCOPED: ReadonlySet<string> = new Set(BUILTIN_KINDS.filter((k) => !k.projectScoped).map((k) => k.kind));

/**
 * Each planned action as a resource diff; secret values are redacted by
 * diffResource. `appliedBy` (`source:<name>`) names the source in the marks
 * of drift, adoption and release.
 */
export function diffsOfActions(actions: readonly PlannedAction[], appliedBy?: string): ResourceDiff[] {
  return actions.map((a): ResourceDiff => {
    const diff = contentDiff(a);
    if (a.drift) diff.drift = { was: a.head ? "modified" : "deleted", by: a.head?.appliedBy ?? null };
    if (a.adoptedFrom !== undefined) diff.ownership = { change: "adopt", from: a.adoptedFrom, to: appliedBy ?? "this source" };
    if (a.released) diff.ownership = { change: "release", from: a.head?.appliedBy ?? appliedBy ?? "this source", to: RELEASED_TO };
    return diff;
  });
}

function contentDiff(a: PlannedAction): ResourceDiff {
  const desired = a.document?.resource;
  if (a.verb === "created") return diffResource(undefined, normalized(desired!));
  if (a.verb === "pruned") {
    if (a.live) return diffResource(normalized(a.live), undefined);
    return { kind: a.key.kind, name: a.key.name, project: projectShown(a.key), action: "delete", changes: [], unified: "" };
  }
  // A source taking back a resource whose content is equal reads as unchanged: only the applier moves (see the marks).
  if (a.verb === "configured" && a.live && desired) return diffResource(normalized(a.live), normalized(desired));
  return { kind: a.key.kind, name: a.key.name, project: projectShown(a.key), action: "unchanged", changes: [], unified: "" };
}

function projectShown(key: { kind: string; project: string }): string {
  return UNSCOPED.has(key.kind) ? "" : key.project;
}

/** Configured sources against the store: git sources are fetched first; nothing is written. */
export async function diffSources(home: Home, store: Store, names: readonly string[] = []): Promise<DiffReport> {
  const passes = await reconcileSourcePasses({ home, store, sources: names, dryRun: true, withLive: true, planDespiteErrors: true });
  const types = new Map(selectSources(store, names).map((s) => [s.name, s.type]));
  const report: DiffReport = { diffs: [], diagnostics: [], failures: [], notes: [] };
  for (const p of passes) {
    report.diagnostics.push(...p.result.diagnostics);
    report.diffs.push(...diffsOfActions(p.actions, `source:${p.result.source}`));
    if (p.result.ready || p.actions.length > 0 || p.result.diagnostics.length > 0) continue;
    // A directory not made yet (init's `manifests/`) is not ready, but nothing failed; a git path that is not there is a mistake.
    if (p.result.reason === Reason.PathNotFound && types.get(p.result.source) === "dir") {
      report.notes.push(`source ${p.result.source}: ${p.result.reason}: ${p.result.message}`);
    } else {
      report.failures.push({ source: p.result.source, reason: p.result.reason, message: p.result.message });
    }
  }
  return report;
}

export interface FilesDiffOptions {
  project?: string;
  /** As `apply --prune`: show what it would delete. */
  prune?: boolean;
  /** The state folder: its age key decrypts ENC[age,...] values (a dry run writes nothing there). */
  home?: Home;
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
    ...(opts.home ? { home: opts.home } : {}),
  });
  const failed = !outcome.ok && outcome.actions.length === 0 && outcome.diagnostics.length === 0;
  const failures: DiffFailure[] = failed ? [{ source: null, reason: outcome.reason, message: outcome.message }] : [];
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
 * in `to`, which a source with prune would delete. A path that only one
 * commit has is fine (everything created, or everything deleted); a path
 * neither has is a failure: a CI job with a mistyped `--path` must not pass.
 */
export async function diffCommits(opts: CommitsDiffOptions): Promise<DiffReport & { fromCommit: string; toCommit: string }> {
  const path = opts.path ?? "manifests";
  const fromCommit = await resolveCommit(opts.repoDir, opts.from);
  const toCommit = await resolveCommit(opts.repoDir, opts.to);
  const [fromHas, toHas] = await Promise.all([pathExistsAtCommit(opts.repoDir, fromCommit, path), pathExistsAtCommit(opts.repoDir, toCommit, path)]);
  if (!fromHas && !toHas) {
    const message = `path '${path}' exists in neither ${commitLabel(opts.from, fromCommit)} nor ${commitLabel(opts.to, toCommit)}; pass --path with the directory that holds the manifests`;
    return { diffs: [], diagnostics: [], failures: [{ source: null, reason: Reason.PathNotFound, message }], notes: [], fromCommit, toCommit };
  }
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
  // The two sides are named as given, with their commits: `--- main@1a2b3c4d5e6f`.
  const labels = { fromLabel: commitLabel(opts.from, fromCommit), toLabel: commitLabel(opts.to, toCommit) };
  const diffs: ResourceDiff[] = [];
  for (const [id, r] of now) diffs.push(diffResource(was.get(id), r, labels));
  for (const [id, r] of was) if (!now.has(id)) diffs.push(diffResource(r, undefined, labels));
  return { diffs, diagnostics, failures: [], notes: [], fromCommit, toCommit };
}

/** `HEAD~1@1a2b3c4d5e6f`; a ref that is the commit's sha is shown as the short sha alone. */
export function commitLabel(ref: string, commit: string): string {
  const short = shortRevision(commit);
  return commit.startsWith(ref.toLowerCase()) ? short : `${ref}@${short}`;
}
