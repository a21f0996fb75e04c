/**
 * @module Secret redaction before diffing: SecretStore `spec.data` values are
 * replaced by markers that show whether a value changed, never the value.
 */
import { createHmac } from "node:crypto";
import type { JsonObject, JsonValue, Resource } from "../../resources/types.js";
import { isSecretReference } from "../../resources/redact.js";
import { jsonEqual } from "./field-changes.js";
import { redactSpec } from "../../resources/redact.js";

/**
 * A short, keyed digest of a secret value (`hmac:1a2b3c4d5e6f`). It must be
 * keyed: a plain hash of a short secret can be reversed by guessing.
 */
export type SecretFingerprint = (value: string) => string;

export interface RedactionOptions {
  /** Without one, markers only say whether a value changed. */
  fingerprint?: SecretFingerprint;
}

export const REDACTED = "<redacted>";
export const REDACTED_CHANGED = "<redacted, changed>";

const SECRET_KINDS: ReadonlySet<string> = new Set(["SecretStore"]);

export function isSecretKind(kind: string): boolean {
  return SECRET_KINDS.has(kind);
}

/** HMAC-SHA256 under `key`, first 12 hex digits: enough to tell values apart. */
export function hmacFingerprint(key: string | Buffer): SecretFingerprint {
  return (value) => `hmac:${createHmac("sha256", key).update(value).digest("hex").slice(0, 12)}`;
}

/**
 * Both sides with secret values replaced. The pair is redacted together so
 * that, without a fingerprint, an unchanged value reads the same on both
 * sides and a changed one differs.
 */
export function redactPair(
  before: Resource | undefined,
  after: Resource | undefined,
  opts: RedactionOptions = {},
): [Resource | undefined, Resource | undefined] {
  const kind = after?.kind ?? before?.kind;
  if (kind === "Source") return redactSourcePair(before, after);
  if (kind === undefined || !isSecretKind(kind)) return [before, after];
  // Every spec field is secret: `data`, and anything put beside it (refused by validation, but a
  // dry run plans despite errors and a store may hold one written before).
  const fields = new Set([...Object.keys(before?.spec ?? {}), ...Object.keys(after?.spec ?? {})]);
  const oldSpec: JsonObject = {};
  const newSpec: JsonObject = {};
  for (const field of fields) {
    const [o, n] = field === "data" ? redactData(before?.spec[field], after?.spec[field], opts) : redactWhole(before?.spec[field], after?.spec[field], opts);
    if (o !== undefined) oldSpec[field] = o;
    if (n !== undefined) newSpec[field] = n;
  }
  return [withSpec(before, oldSpec), withSpec(after, newSpec)];
}

/** A Source's url without its credentials; a change of credentials alone still shows as a change. */
function redactSourcePair(before: Resource | undefined, after: Resource | undefined): [Resource | undefined, Resource | undefined] {
  const b = before && withSpec(before, redactSpec("Source", before.spec));
  const a = after && withSpec(after, redactSpec("Source", after.spec));
  const [rawB, rawA] = [before?.spec["url"], after?.spec["url"]];
  if (a && b && rawA !== rawB && jsonEqual(a.spec["url"] ?? null, b.spec["url"] ?? null)) a.spec["url"] = `${String(a.spec["url"])} ${REDACTED_CHANGED}`;
  return [b, a];
}

function withSpec(r: Resource | undefined, spec: JsonObject): Resource | undefined {
  return r === undefined ? r : { ...r, spec };
}

function redactWhole(before: JsonValue | undefined, after: JsonValue | undefined, opts: RedactionOptions): [JsonValue | undefined, JsonValue | undefined] {
  return [before === undefined ? undefined : marker(before, before, "before", opts), after === undefined ? undefined : marker(before, after, "after", opts)];
}

function isMapping(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function redactData(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  opts: RedactionOptions,
): [JsonValue | undefined, JsonValue | undefined] {
  // A malformed `data` (not a mapping) is hidden as one value.
  if (!isMapping(before) || !isMapping(after)) {
    return [
      before === undefined ? undefined : isMapping(before) ? markAll(before, opts) : marker(before, before, "before", opts),
      after === undefined ? undefined : isMapping(after) ? markAll(after, opts) : marker(before, after, "after", opts),
    ];
  }
  const oldOut: JsonObject = {};
  const newOut: JsonObject = {};
  for (const [k, v] of Object.entries(before)) oldOut[k] = marker(v, v, "before", opts);
  for (const [k, v] of Object.entries(after)) newOut[k] = marker(before[k], v, "after", opts);
  return [oldOut, newOut];
}

function markAll(data: JsonObject, opts: RedactionOptions): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(data)) out[k] = marker(v, v, "before", opts);
  return out;
}

function marker(
  old: JsonValue | undefined,
  value: JsonValue,
  side: "before" | "after",
  opts: RedactionOptions,
): JsonValue {
  // `{valueFrom: {env | file}}` names where a secret is read, not the secret: shown as it is.
  if (isSecretReference(value)) return value;
  if (opts.fingerprint) {
    return `<redacted ${opts.fingerprint(typeof value === "string" ? value : JSON.stringify(value))}>`;
  }
  if (side === "after" && old !== undefined && !jsonEqual(old, value)) return REDACTED_CHANGED;
  return REDACTED;
}
