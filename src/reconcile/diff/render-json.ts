/**
 * @module `orchestrator diff -o json`: a stable, machine-readable contract.
 *
 * ```
 * {
 *   "summary": { "create": n, "update": n, "delete": n, "unchanged": n },
 *   "resources": [                       // every resource, in apply order
 *     { "kind", "name", "project",         // project "" for Project and CRDs
 *       "action": "create" | "update" | "delete" | "unchanged",
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
 */
import type { Diagnostic } from "../../resources/diagnostics.js";
import type { JsonObject, JsonValue } from "../../resources/types.js";
import type { FieldChange } from "./field-changes.js";
import { orderDiagnostics, orderDiffs, summarizeDiffs } from "./report.js";
import type { ResourceDiff } from "./resource-diff.js";

export function diffReportJson(diffs: readonly ResourceDiff[], diagnostics: readonly Diagnostic[]): JsonObject {
  const s = summarizeDiffs(diffs);
  const { errors, warnings } = orderDiagnostics(diagnostics);
  return {
    summary: { create: s.create, update: s.update, delete: s.delete, unchanged: s.unchanged },
    resources: orderDiffs(diffs).map(resourceJson),
    diagnostics: [...errors, ...warnings].map(diagnosticJson),
  };
}

/** Two-space indented, with a final newline. */
export function renderDiffJson(diffs: readonly ResourceDiff[], diagnostics: readonly Diagnostic[]): string {
  return JSON.stringify(diffReportJson(diffs, diagnostics), null, 2) + "\n";
}

function resourceJson(d: ResourceDiff): JsonObject {
  return {
    kind: d.kind,
    name: d.name,
    project: d.project,
    action: d.action,
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
