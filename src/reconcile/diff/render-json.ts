/**
 * @module `orchestrator diff -o json`: a stable, machine-readable contract.
 *
 * ```
 * {
 *   "summary": { "create": n, "update": n, "delete": n, "unchanged": n, "drift": n },
 *   "failures": [                        // what could not be diffed; [] when all was
 *     { "source": "repo" | null,          // null for --from/--to and -f
 *       "reason": "FetchFailed" | "RefNotFound" | "PathNotFound" | ...,
 *       "message": string } ],
 *   "resources": [                       // creates, updates, unchanged in apply order,
 *                                        // then deletes in the order sync prunes them
 *     { "kind", "name", "project",         // project "" for Project and CRDs
 *       "action": "create" | "update" | "delete" | "unchanged",
 *       "drift": { "was": "modified" | "deleted", "by": "cli" | null } | null,
 *       "ownership": { "change": "adopt" | "release", "from", "to" } | null,
 *       "changes": [                      // only for "update"
 *         { "path": "spec.steps[1].command",
 *           "op": "added" | "removed" | "changed",
 *           "before": value | null,         // null when added
 *           "after": value | null } ],      // null when removed
 *       "unified": "--- live\n+++ desired\n@@ ..." } ],   // "" when unchanged
 *   "diagnostics": [                     // errors first, then warnings
 *     { "severity": "error" | "warning", "code", "message",
 *       "resource": "workflow/qa" | null, "path": "spec.x" | null,
 *       "position": { "file", "line", "column" } | null,
 *       "hint": string | null } ]
 * }
 * ```
 * Keys appear in exactly this order; absent values are `null`, never left out.
 * `drift` and `ownership` are only ever set for `diff [SOURCE...]`.
 */
import type { Diagnostic } from "../../resources/diagnostics.js";
import type { JsonObject, JsonValue } from "../../resources/types.js";
import type { FieldChange } from "./field-changes.js";
import { countDrift, orderDiagnostics, orderDiffs, summarizeDiffs, type DiffFailure } from "./report.js";
import type { ResourceDiff } from "./resource-diff.js";

export interface JsonRenderOptions {
  /** Sources (or paths) that could not be diffed. */
  failures?: readonly DiffFailure[];
}

export function diffReportJson(diffs: readonly ResourceDiff[], diagnostics: readonly Diagnostic[], opts: JsonRenderOptions = {}): JsonObject {
  const s = summarizeDiffs(diffs);
  const { errors, warnings } = orderDiagnostics(diagnostics);
  return {
    summary: { create: s.create, update: s.update, delete: s.delete, unchanged: s.unchanged, drift: countDrift(diffs) },
    failures: (opts.failures ?? []).map((f) => ({ source: f.source, reason: f.reason, message: f.message })),
    resources: orderDiffs(diffs).map(resourceJson),
    diagnostics: [...errors, ...warnings].map(diagnosticJson),
  };
}

/** Two-space indented, with a final newline. */
export function renderDiffJson(diffs: readonly ResourceDiff[], diagnostics: readonly Diagnostic[], opts: JsonRenderOptions = {}): string {
  return JSON.stringify(diffReportJson(diffs, diagnostics, opts), null, 2) + "\n";
}

function resourceJson(d: ResourceDiff): JsonObject {
  return {
    kind: d.kind,
    name: d.name,
    project: d.project,
    action: d.action,
    drift: d.drift ? { was: d.drift.was, by: d.drift.by } : null,
    ownership: d.ownership ? { change: d.ownership.change, from: d.ownership.from, to: d.ownership.to } : null,
    changes: d.changes.map(changeJson),
    unified: d.unified,
  };
}

function changeJson(c: FieldChange): JsonObject {
  return { path: c.path, op: c.op, before: orNull(c.before), after: orNull(c.after) };
}

function diagnosticJson(d: Diagnostic): JsonObject {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    resource: d.resource ?? null,
    path: d.path ?? null,
    position: d.position ? { file: d.position.file, line: d.position.line, column: d.position.column } : null,
    hint: d.hint ?? null,
  };
}

function orNull(v: JsonValue | undefined): JsonValue {
  return v === undefined ? null : v;
}
