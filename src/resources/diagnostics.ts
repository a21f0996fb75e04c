/**
 * @module Diagnostics: every error and warning the project reports about
 * manifests, with what is wrong, where, and how to fix it.
 */
import type { SourcePosition } from "./types.js";

export type Severity = "error" | "warning";

/**
 * Machine-readable reason. `unsupported-field` marks a field the schema knows
 * but the project does not act on yet, where that changes nothing that runs;
 * the corpus check counts these. `not-offered` refuses a field that would
 * change what runs or what is allowed and that the project does not offer.
 */
export type DiagnosticCode =
  | "io"
  | "not-yaml"
  | "yaml-syntax"
  | "not-mapping"
  | "empty"
  | "binary"
  | "too-large"
  | "too-deep"
  | "aliases"
  | "missing-field"
  | "api-version"
  | "unknown-kind"
  | "invalid-name"
  | "duplicate"
  | "schema"
  | "unknown-field"
  | "unsupported-field"
  | "not-offered"
  | "cel"
  | "cron"
  | "timezone"
  | "reference"
  | "crd"
  /** A SecretStore value encrypted in the source that cannot be decrypted. */
  | "secret"
  /** `check`: this host cannot enforce a field of an ExecutionProfile. */
  | "unsupported-backend-feature";

export interface Diagnostic {
  severity: Severity;
  code: DiagnosticCode;
  /** What is wrong, without the location. */
  message: string;
  /** `kind/name` of the resource, when known (`workflow/qa_loop`). */
  resource?: string;
  /** Field path such as `spec.steps[2].timeout_secs`. */
  path?: string;
  position?: SourcePosition;
  /** How to fix it, when there is something useful to say. */
  hint?: string;
}

/** `spec`, `steps`, 2, `x` -> `spec.steps[2].x` */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

/** `workflow/qa_loop: spec.steps[2].timeout_secs: must be integer (qa.yaml:31:22)` */
export function formatDiagnostic(d: Diagnostic): string {
  const head = [d.resource, d.path].filter((s): s is string => !!s).join(": ");
  const where = d.position ? ` (${d.position.file}:${d.position.line}:${d.position.column})` : "";
  const hint = d.hint ? `\n  hint: ${d.hint}` : "";
  return `${d.severity}: ${head ? head + ": " : ""}${d.message}${where}${hint}`;
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === "error");
}
