/**
 * @module A source as the `Source` resource it is stored as, and back: the
 * manifest `source add`, `init` and the store migration write, and the
 * SourceRecord the reconciler reads from a stored Source (defaults filled
 * in, its status as the reconcile status).
 */
import { formatDuration, parseDuration } from "../resources/duration.js";
import { SOURCE_DEFAULT_INTERVAL, SOURCE_MIN_INTERVAL_MS } from "../resources/schemas/source.js";
import { API_VERSION, DEFAULT_PROJECT, type JsonObject, type Resource } from "../resources/types.js";
import { emptySourceStatus, type SourceRecord, type SourceSpec, type SourceStatus } from "./source-store.js";
import type { StoredResource } from "./store.js";

export const SOURCE_KIND = "Source";

/** Where a Source is stored: cluster-wide kinds live in project "". */
export function sourceKey(name: string): { project: string; kind: string; name: string } {
  return { project: "", kind: SOURCE_KIND, name };
}

/** The spec of a Source manifest: only what differs from the defaults, as `flux export` writes it. */
export function sourceManifestSpec(spec: SourceSpec): JsonObject {
  const out: JsonObject = {};
  if (spec.type === "dir") out["dir"] = spec.dir ?? "manifests";
  else {
    out["url"] = spec.url ?? "";
    if (spec.ref !== undefined) out["ref"] = spec.ref;
    if (spec.path !== undefined) out["path"] = spec.path;
  }
  const interval = formatDuration(spec.intervalMs);
  if (interval !== SOURCE_DEFAULT_INTERVAL) out["interval"] = interval;
  if (spec.project !== DEFAULT_PROJECT) out["project"] = spec.project;
  if (!spec.prune) out["prune"] = false;
  if (spec.suspend) out["suspend"] = true;
  if (spec.webhookSecret !== undefined) out["webhookSecretRef"] = { name: spec.webhookSecret };
  return out;
}

/** The Source manifest of a spec. */
export function sourceManifest(spec: SourceSpec): Resource {
  return { apiVersion: API_VERSION, kind: SOURCE_KIND, metadata: { name: spec.name }, spec: sourceManifestSpec(spec) };
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The settings of a stored Source, defaults filled in. */
export function sourceSpecOf(r: Pick<StoredResource, "metadata" | "spec">): SourceSpec {
  const s = r.spec;
  const dir = str(s["dir"]);
  const spec: SourceSpec = {
    name: r.metadata.name,
    type: dir !== undefined || str(s["url"]) === undefined ? "dir" : "git",
    intervalMs: intervalOf(s["interval"]),
    project: str(s["project"]) ?? DEFAULT_PROJECT,
    prune: s["prune"] !== false,
    suspend: s["suspend"] === true,
  };
  if (spec.type === "dir") spec.dir = dir ?? "manifests";
  else {
    spec.url = str(s["url"])!;
    const ref = str(s["ref"]);
    if (ref !== undefined) spec.ref = ref;
    const path = str(s["path"])?.split(/[\\/]+/).filter((x) => x !== "" && x !== ".").join("/");
    if (path) spec.path = path;
  }
  const hook = s["webhookSecretRef"];
  const hookName = hook && typeof hook === "object" && !Array.isArray(hook) ? str(hook["name"]) : undefined;
  if (hookName !== undefined) spec.webhookSecret = hookName;
  return spec;
}

/** A stored Source as the reconciler reads it. */
export function sourceRecordOf(r: StoredResource): SourceRecord {
  return {
    ...sourceSpecOf(r),
    status: { ...emptySourceStatus(), ...((r.status ?? {}) as Partial<SourceStatus>) },
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    generation: r.generation,
    appliedBy: r.origin.appliedBy,
  };
}

/** Validation refuses a bad interval; one stored before that rule reads as the default. */
function intervalOf(v: unknown): number {
  try {
    return parseDuration(typeof v === "string" ? v : SOURCE_DEFAULT_INTERVAL, "interval", { minMs: SOURCE_MIN_INTERVAL_MS });
  } catch {
    return parseDuration(SOURCE_DEFAULT_INTERVAL);
  }
}
