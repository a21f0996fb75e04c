/**
 * @module What changing one resource from its live form to its desired form
 * means: the action, the changed fields and a unified diff of the YAML.
 */
import { BUILTIN_KINDS } from "../../resources/kinds.js";
import { DEFAULT_PROJECT, type Resource } from "../../resources/types.js";
import { comparableEnvelope, renderEnvelopeYaml } from "./envelope.js";
import { fieldChanges, type FieldChange } from "./field-changes.js";
import { redactPair, type SecretFingerprint } from "./redact.js";
import { unifiedDiff } from "./unified.js";

export type DiffAction = "create" | "update" | "delete" | "unchanged";

export interface ResourceDiff {
  kind: string;
  name: string;
  project: string;
  action: DiffAction;
  /** Empty for `create`, `delete` and `unchanged`: the unified diff shows the whole resource. */
  changes: FieldChange[];
  /** `--- live` / `+++ desired` unified diff of the YAML renderings (other labels for commits); empty when unchanged. */
  unified: string;
  /**
   * Both sides as the YAML the unified diff compares (secrets redacted; "" for
   * a missing side), for an external diff program; absent when unchanged.
   */
  yaml?: { live: string; desired: string };
  /** Sources: the stored resource differs from what its source last applied; sync puts it back. */
  drift?: DriftMark;
  /** Sources: sync adopts a resource applied by hand, or releases one it adopted (content unchanged). */
  ownership?: OwnershipMark;
}

export interface DriftMark {
  /** Changed, or deleted, since the source applied it. */
  was: "modified" | "deleted";
  /** Who last wrote it (`cli`); null when it was deleted. */
  by: string | null;
}

export interface OwnershipMark {
  change: "adopt" | "release";
  /** The applier before (`cli` when adopted, `source:<name>` when released). */
  from: string;
  /** The applier after. */
  to: string;
}

export interface DiffOptions {
  /** Keyed digest shown for secret values; see `hmacFingerprint`. */
  secretFingerprint?: SecretFingerprint;
  /** Unchanged lines around each change in `unified`; 3 by default. */
  context?: number;
  /** Labels of the two sides in `unified`; `live` and `desired` by default. */
  fromLabel?: string;
  toLabel?: string;
}

/**
 * `before` is the live (stored) resource, `after` the desired one; either may
 * be absent, not both. Extra fields on a stored resource (generation, hash,
 * origin, status) are ignored.
 */
export function diffResource(
  before: Resource | undefined,
  after: Resource | undefined,
  opts: DiffOptions = {},
): ResourceDiff {
  const subject = after ?? before;
  if (subject === undefined) throw new Error("diffResource: neither a live nor a desired resource was given");
  const project = projectOf(subject.kind, before, after);
  const [live, desired] = redactPair(before, after, opts.secretFingerprint ? { fingerprint: opts.secretFingerprint } : {});
  const liveEnv = live && comparableEnvelope(live, project);
  const desiredEnv = desired && comparableEnvelope(desired, project);

  const changes = fieldChanges(liveEnv, desiredEnv);
  const action: DiffAction = !liveEnv ? "create" : !desiredEnv ? "delete" : changes.length ? "update" : "unchanged";
  const base = { kind: subject.kind, name: subject.metadata.name, project, action, changes: action === "update" ? changes : [] };
  if (action === "unchanged") return { ...base, unified: "" };
  const yaml = { live: renderEnvelopeYaml(liveEnv), desired: renderEnvelopeYaml(desiredEnv) };
  const unified = unifiedDiff(yaml.live, yaml.desired, {
    fromLabel: opts.fromLabel ?? "live",
    toLabel: opts.toLabel ?? "desired",
    context: opts.context ?? 3,
  });
  return { ...base, unified, yaml };
}

/** Kinds outside any project (Project, CustomResourceDefinition) get ""; others default to `default`. */
function projectOf(kind: string, before: Resource | undefined, after: Resource | undefined): string {
  if (BUILTIN_KINDS.find((k) => k.kind === kind)?.projectScoped === false) return "";
  return after?.metadata.project || before?.metadata.project || DEFAULT_PROJECT;
}
