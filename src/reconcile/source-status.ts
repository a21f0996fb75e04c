/**
 * @module Recording a source's status as a pass moves through its phases:
 * Reconciling while it works, then Ready (and Stalled) with a reason, the
 * revisions applied and attempted, and the errors. Events for a new
 * revision and for a failure are written here too, once per distinct
 * failure rather than on every retry.
 */
import { createHash } from "node:crypto";
import { formatDiagnostic, type Diagnostic } from "../resources/diagnostics.js";
import { canonicalJson } from "../store/canonical.js";
import { sourceStoreOf, type SourceRecord, type SourceSpec, type SourceStatus } from "../store/source-store.js";
import type { Store } from "../store/store.js";
import { findCondition, finishedConditions, progressingConditions, Reason } from "./conditions.js";
import { shortRevision } from "./digest.js";
import { reconcileFailedEvent, sourceFetchedEvent } from "./events.js";

/** The settings that change what a pass applies; a change of any means the pass must run. */
export function configFingerprint(spec: SourceSpec): string {
  const relevant = { type: spec.type, dir: spec.dir ?? null, url: spec.url ?? null, ref: spec.ref ?? null, path: spec.path ?? null, project: spec.project, prune: spec.prune };
  return createHash("sha256").update(canonicalJson(relevant)).digest("hex").slice(0, 16);
}

/**
 * True when the last pass saw this very revision, store and settings and
 * ended in a state another pass would only repeat: applied, or rejected by
 * validation (only a new revision can fix that).
 */
export function isUpToDate(status: SourceStatus, revision: string, storeVersion: number, config: string): boolean {
  if (status.lastAttemptedRevision !== revision || status.observedStoreVersion !== storeVersion || status.observedConfig !== config) return false;
  const ready = findCondition(status.conditions, "Ready");
  if (!ready) return false;
  return ready.status === "True" ? status.lastAppliedRevision === revision : ready.reason === Reason.ValidationFailed;
}

/** `main@1a2b3c4d5e6f` for git, `sha256:1a2b3c4d5e6f` for a directory. */
export function displayRevision(revision: string, ref?: string): string {
  const branch = ref?.replace(/^refs\/(heads|tags)\//, "");
  return branch && branch !== revision ? `${branch}@${shortRevision(revision)}` : shortRevision(revision);
}

export class SourceStatusRecorder {
  private readonly actor: string;
  private readonly config: string;

  constructor(
    private readonly store: Store,
    private readonly source: SourceRecord,
    /** Dry runs record nothing. */
    private readonly dryRun: boolean,
  ) {
    this.actor = `source:${source.name}`;
    this.config = configFingerprint(source);
  }

  get configKey(): string {
    return this.config;
  }

  /** Reconciling=True with what the pass is doing now. */
  progress(message: string): void {
    if (this.dryRun) return;
    this.write((s, now) => ({ ...s, conditions: progressingConditions(s.conditions, message, now) }));
  }

  /** A revision the source did not have at its last pass. */
  fetched(revision: string): void {
    if (this.dryRun || revision === this.source.status.lastAttemptedRevision) return;
    this.store.appendEvent(sourceFetchedEvent(this.source.name, revision, this.source.status.lastAttemptedRevision, this.actor));
  }

  /** Inside the commit transaction: the revision is applied. */
  applied(revision: string, displayed: string, storeVersion: number): void {
    if (this.dryRun) return;
    const sources = sourceStoreOf(this.store);
    const now = new Date().toISOString();
    const current = sources.getSource(this.source.name)?.status ?? this.source.status;
    sources.setSourceStatus(this.source.name, {
      ...current,
      conditions: finishedConditions(current.conditions, { ready: true, reason: Reason.Succeeded, message: `Applied revision: ${displayed}` }, now),
      lastAppliedRevision: revision,
      lastAttemptedRevision: revision,
      lastAppliedAt: now,
      lastAttemptedAt: now,
      errors: [],
      failures: 0,
      observedStoreVersion: storeVersion,
      observedConfig: this.config,
    });
  }

  /** The pass stopped; the last applied revision stays in effect. */
  failed(reason: string, message: string, revision: string | null, diagnostics: readonly Diagnostic[]): void {
    if (this.dryRun) return;
    const errors = diagnostics.length ? diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic) : [message];
    const previous = this.source.status;
    const ready = findCondition(previous.conditions, "Ready");
    const repeated = ready?.status === "False" && ready.reason === reason && ready.message === message && previous.lastAttemptedRevision === (revision ?? previous.lastAttemptedRevision);
    if (!repeated) this.store.appendEvent(reconcileFailedEvent(this.source.name, reason, message, revision, errors, this.actor));
    const storeVersion = this.store.resourcesVersion();
    this.write((s, now) => ({
      ...s,
      conditions: finishedConditions(s.conditions, { ready: false, reason, message }, now),
      lastAttemptedRevision: revision ?? s.lastAttemptedRevision,
      lastAttemptedAt: now,
      errors,
      failures: s.failures + 1,
      observedStoreVersion: storeVersion,
      observedConfig: this.config,
    }));
  }

  /** The message a failed pass reports: what failed, at which revision, and what stays in effect. */
  failureMessage(reason: string, detail: string, revision: string | null, displayed?: string): string {
    const last = this.source.status.lastAppliedRevision;
    const at = revision ? ` at revision ${displayed ?? shortRevision(revision)}` : "";
    const keep = last ? `; revision ${shortRevision(last)} stays in effect` : "; nothing applied yet";
    const refused = reason === Reason.ValidationFailed || reason === Reason.OwnershipConflict;
    return refused ? `${detail.replace(/; nothing was applied$/, "")}${at}${keep}` : `${detail}${keep}`;
  }

  private write(update: (s: SourceStatus, now: string) => SourceStatus): void {
    const sources = sourceStoreOf(this.store);
    this.store.writeTransaction(() => {
      const current = sources.getSource(this.source.name);
      if (!current) return; // removed meanwhile: nothing to record
      sources.setSourceStatus(this.source.name, update(current.status, new Date().toISOString()));
    });
  }
}
