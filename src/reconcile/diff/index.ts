/**
 * @module Field-level resource diff and its renderers (text, markdown, JSON):
 * the public face of `src/reconcile/diff/`.
 */
export { diffResource, type DiffAction, type DiffOptions, type DriftMark, type OwnershipMark, type ResourceDiff } from "./resource-diff.js";
export { fieldChanges, formatFieldPath, jsonEqual, type FieldChange, type FieldChangeOp } from "./field-changes.js";
export { hmacFingerprint, isSecretKind, REDACTED, REDACTED_CHANGED, type SecretFingerprint } from "./redact.js";
export { unifiedDiff, type UnifiedDiffOptions } from "./unified.js";
export { failureLine, hasChanges, summarizeDiffs, type DiffFailure, type DiffSummary } from "./report.js";
export { renderDiffText, type TextRenderOptions } from "./render-text.js";
export { renderDiffMarkdown, type MarkdownRenderOptions } from "./render-markdown.js";
export { diffReportJson, renderDiffJson, type JsonRenderOptions } from "./render-json.js";
