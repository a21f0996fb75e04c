/**
 * @module Fields the schema knows but the project does not act on yet, as
 * data with the reason for each. Validation reports every one a manifest
 * sets as an `unsupported-field` warning, so nothing is dropped in silence
 * and the count over the upstream corpus measures what is missing.
 */
import { isImplementedBuiltin, UNIMPLEMENTED_BUILTINS } from "../engine/runner/builtin-names.js";
import { BUILTIN_STEP_NAMES, stepRunner } from "./defaults.js";
import type { JsonObject, JsonValue } from "./types.js";

export interface UnsupportedField {
  /** Path below `spec`; `name[]` steps into every item of a list. */
  path: string;
  reason: string;
  /**
   * Values the project already honours (usually the default). A field set to
   * one of them asks for nothing missing and is not reported.
   */
  accepts?: readonly JsonValue[];
}

export const UNSUPPORTED_FIELDS: Readonly<Record<string, readonly UnsupportedField[]>> = {
  Workflow: [
    { path: "dynamic_steps", reason: "the dynamic step pool is not implemented", accepts: [[]] },
    { path: "loop.agent_template", reason: "loop agent templates are not implemented" },
    { path: "safety.stall_timeout_secs", reason: "stall detection is not implemented; step_timeout_secs still applies" },
  ],
  Agent: [
    { path: "enabled", reason: "disabling an agent in its manifest is not implemented", accepts: [true] },
  ],
  Trigger: [
    { path: "throttle", reason: "trigger throttling is not implemented" },
    { path: "action.args", reason: "trigger arguments are not passed to the created task yet" },
  ],
  CustomResourceDefinition: [
    { path: "scope", reason: "custom resources are always project-scoped", accepts: ["Namespaced"] },
    { path: "builtin", reason: "only the project itself defines built-in kinds", accepts: [false] },
  ],
};

/** Checked on every step of a Workflow and, recursively, on every chain step. */
export const UNSUPPORTED_STEP_FIELDS: readonly UnsupportedField[] = [
  // The engine reads it once it runs the item_select builtin.
  ...(isImplementedBuiltin("item_select") ? [] : [{ path: "item_select_config", reason: "item selection strategies (min, max, threshold, weighted) are not implemented" }]),
  { path: "stall_timeout_secs", reason: "stall detection is not implemented; timeout_secs still applies" },
  { path: "behavior.execution", reason: "the engine derives it from builtin, command and chain_steps; a manifest value is not read" },
  { path: "prehook.ui", reason: "prehook UI hints are not used" },
  { path: "prehook.extended", reason: "extended prehook decisions (beyond run or skip) are not implemented", accepts: [false] },
];

/** Values a field may take that the engine does not act on yet, each with its reason. */
export interface UnsupportedValue {
  /** Path below a step; `name[]` steps into every item of a list. */
  path: string;
  /** What the value is, for the message: `post action type`. */
  subject: string;
  /** What happens to it at run time. */
  effect: string;
  values: Readonly<Record<string, string>>;
}

/** Checked on every step, as UNSUPPORTED_STEP_FIELDS are; every post action type is acted on now. */
export const UNSUPPORTED_STEP_VALUES: readonly UnsupportedValue[] = [];

/**
 * Builtins a manifest may name that the engine does not run yet, from the
 * engine's own light registry (src/engine/runner/builtin-names.ts), so the
 * two cannot disagree.
 */
export const UNSUPPORTED_BUILTINS: readonly string[] = BUILTIN_STEP_NAMES.filter((b) => !isImplementedBuiltin(b));

export interface UnsupportedUse {
  /** Path from the document root: `spec`, ... */
  path: Array<string | number>;
  field: string;
  reason: string;
  /** The whole warning: what is not supported, what happens to it, and why. */
  message: string;
}

/** Every unsupported field a spec sets to a value the project does not honour. */
export function findUnsupportedFields(kind: string, spec: unknown): UnsupportedUse[] {
  const out: UnsupportedUse[] = [];
  for (const f of UNSUPPORTED_FIELDS[kind] ?? []) collect(spec, f, ["spec"], out);
  if (kind === "Workflow" && isRecord(spec)) collectSteps(spec["steps"], ["spec", "steps"], out);
  return out;
}

function collectSteps(steps: unknown, base: Array<string | number>, out: UnsupportedUse[]): void {
  if (!Array.isArray(steps)) return;
  steps.forEach((step, i) => {
    const at = [...base, i];
    for (const f of UNSUPPORTED_STEP_FIELDS) collect(step, f, at, out);
    for (const v of UNSUPPORTED_STEP_VALUES) collectValues(step, v, at, out);
    if (!isRecord(step)) return;
    collectBuiltin(step, at, out);
    collectSteps(step["chain_steps"], [...at, "chain_steps"], out);
  });
}

/** A builtin the engine does not run, named by `builtin` or inferred from the step's type or id. */
function collectBuiltin(step: Record<string, unknown>, at: Array<string | number>, out: UnsupportedUse[]): void {
  // Parsed YAML is JSON data, so the step is a JsonObject.
  const builtin = stepRunner(step as JsonObject).builtin;
  if (!builtin || !UNSUPPORTED_BUILTINS.includes(builtin)) return;
  const field = typeof step["builtin"] === "string" ? "builtin" : step["type"] === builtin ? "type" : "id";
  const reason = UNIMPLEMENTED_BUILTINS[builtin] ?? "the engine has no implementation of it and fails the step when it runs";
  out.push({ path: [...at, field], field, reason, message: `builtin '${builtin}' is not supported yet: ${reason}` });
}

function collectValues(step: unknown, v: UnsupportedValue, at: Array<string | number>, out: UnsupportedUse[]): void {
  const field: UnsupportedField = { path: v.path, reason: "" };
  const found: UnsupportedUse[] = [];
  collect(step, field, at, found);
  for (const u of found) {
    const value = stepValue(step, u.path.slice(at.length));
    if (typeof value !== "string" || !Object.hasOwn(v.values, value)) continue;
    const reason = v.values[value]!;
    out.push({ path: u.path, field: v.path, reason, message: `${v.subject} '${value}' is not supported yet and is ${v.effect}: ${reason}` });
  }
}

function stepValue(step: unknown, rel: ReadonlyArray<string | number>): unknown {
  let cur: unknown = step;
  for (const seg of rel) cur = cur !== null && typeof cur === "object" ? (cur as Record<string | number, unknown>)[seg] : undefined;
  return cur;
}

const SEGMENTS = new Map<UnsupportedField, string[]>();

function segmentsOf(f: UnsupportedField): string[] {
  let segs = SEGMENTS.get(f);
  if (!segs) SEGMENTS.set(f, (segs = f.path.split(".")));
  return segs;
}

function collect(root: unknown, f: UnsupportedField, base: Array<string | number>, out: UnsupportedUse[]): void {
  const walk = (value: unknown, segs: readonly string[], at: Array<string | number>): void => {
    if (segs.length === 0) {
      if (!f.accepts?.some((a) => sameJson(a, value))) {
        out.push({ path: at, field: f.path, reason: f.reason, message: `field '${f.path}' is not supported yet and is ignored: ${f.reason}` });
      }
      return;
    }
    if (!isRecord(value)) return;
    const [head, ...rest] = segs as [string, ...string[]];
    const each = head.endsWith("[]");
    const key = each ? head.slice(0, -2) : head;
    if (!Object.hasOwn(value, key) || value[key] === undefined || value[key] === null) return;
    const next = value[key];
    if (each) {
      if (Array.isArray(next)) next.forEach((item, i) => walk(item, rest, [...at, key, i]));
    } else walk(next, rest, [...at, key]);
  };
  walk(root, segmentsOf(f), base);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
