/**
 * @module Fields the schema knows that the project does not act on, as data
 * with the reason for each. A field that would change what runs or what is
 * allowed is refused: validation reports it as a `not-offered` error, so a
 * manifest never means more than the project does. A field that changes
 * nothing that runs (a UI hint) draws an `unsupported-field` warning, so
 * nothing is dropped in silence and the count over the upstream corpus
 * measures what is missing.
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

/** A field refused at validation: `reason` says why it is not offered, `hint` how to proceed. */
export interface RefusedField extends UnsupportedField {
  hint: string;
}

/** Fields that change nothing that runs: a warning, and the field is ignored. */
export const UNSUPPORTED_FIELDS: Readonly<Record<string, readonly UnsupportedField[]>> = {};

/** Fields that would change what runs or what is allowed: an error at validation and apply. */
export const REFUSED_FIELDS: Readonly<Record<string, readonly RefusedField[]>> = {
  Workflow: [
    {
      path: "dynamic_steps",
      reason: "steps added at run time are not implemented, so these steps would never run",
      hint: "move the steps into spec.steps (a prehook.when runs one only when it is needed), or remove dynamic_steps (an empty list is accepted)",
      accepts: [[]],
    },
    {
      path: "loop.agent_template",
      reason: "the loop renders no agent template of its own",
      hint: "remove loop.agent_template; a step renders its prompt from its own template: <StepTemplate>",
    },
  ],
  CustomResourceDefinition: [
    {
      path: "scope",
      reason: "custom resources are always project-scoped (Namespaced)",
      hint: "remove scope, or set scope: Namespaced",
      accepts: ["Namespaced"],
    },
    {
      path: "builtin",
      reason: "only the project itself defines built-in kinds",
      hint: "remove builtin, or set builtin: false",
      accepts: [false],
    },
  ],
};

/** Checked on every step of a Workflow and, recursively, on every chain step. */
export const UNSUPPORTED_STEP_FIELDS: readonly UnsupportedField[] = [
  // A hint for a user interface: nothing that runs depends on it.
  { path: "prehook.ui", reason: "prehook UI hints are not used" },
];

/** Refused on every step and chain step, as REFUSED_FIELDS are on the spec. */
export const REFUSED_STEP_FIELDS: readonly RefusedField[] = [
  {
    path: "behavior.execution",
    reason: "how a step runs comes from its command, builtin, required_capability or chain_steps",
    hint: "remove behavior.execution and set one of command, builtin, required_capability or chain_steps",
  },
  {
    path: "prehook.extended",
    reason: "a prehook decides only whether the step runs or is skipped",
    hint: "remove prehook.extended (or set it to false) and say when the step runs in prehook.when",
    accepts: [false],
  },
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

/** A refused field a spec sets: the error's message and hint. */
export interface RefusedUse extends UnsupportedUse {
  hint: string;
}

/** Every unsupported field a spec sets to a value the project does not honour. */
export function findUnsupportedFields(kind: string, spec: unknown): UnsupportedUse[] {
  const out: UnsupportedUse[] = [];
  for (const f of UNSUPPORTED_FIELDS[kind] ?? []) collect(spec, f, ["spec"], out);
  if (kind === "Workflow" && isRecord(spec)) {
    eachStep(spec["steps"], ["spec", "steps"], (step, at) => {
      for (const f of UNSUPPORTED_STEP_FIELDS) collect(step, f, at, out);
      for (const v of UNSUPPORTED_STEP_VALUES) collectValues(step, v, at, out);
      if (isRecord(step)) collectBuiltin(step, at, out);
    });
  }
  return out;
}

/** Every refused field a spec sets to a value the project does not honour, each with its error's message and hint. */
export function findRefusedFields(kind: string, spec: unknown): RefusedUse[] {
  const out: RefusedUse[] = [];
  const refuse = (root: unknown, f: RefusedField, base: Array<string | number>): void => {
    for (const path of pathsSet(root, f, base)) out.push({ path, field: f.path, reason: f.reason, message: `field '${f.path}' is not offered: ${f.reason}`, hint: f.hint });
  };
  for (const f of REFUSED_FIELDS[kind] ?? []) refuse(spec, f, ["spec"]);
  if (kind === "Workflow" && isRecord(spec)) eachStep(spec["steps"], ["spec", "steps"], (step, at) => REFUSED_STEP_FIELDS.forEach((f) => refuse(step, f, at)));
  return out;
}

/** Calls fn on every step and, depth first, on every chain step. */
function eachStep(steps: unknown, base: Array<string | number>, fn: (step: unknown, at: Array<string | number>) => void): void {
  if (!Array.isArray(steps)) return;
  steps.forEach((step, i) => {
    const at = [...base, i];
    fn(step, at);
    if (isRecord(step)) eachStep(step["chain_steps"], [...at, "chain_steps"], fn);
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
  for (const path of pathsSet(step, { path: v.path, reason: "" }, at)) {
    const value = stepValue(step, path.slice(at.length));
    if (typeof value !== "string" || !Object.hasOwn(v.values, value)) continue;
    const reason = v.values[value]!;
    out.push({ path, field: v.path, reason, message: `${v.subject} '${value}' is not supported yet and is ${v.effect}: ${reason}` });
  }
}

function stepValue(step: unknown, rel: ReadonlyArray<string | number>): unknown {
  let cur: unknown = step;
  for (const seg of rel) cur = cur !== null && typeof cur === "object" ? (cur as Record<string | number, unknown>)[seg] : undefined;
  return cur;
}

/** Split paths by path: the lists above are fixed, so this stays small. */
const SEGMENTS = new Map<string, string[]>();

function segmentsOf(f: UnsupportedField): string[] {
  let segs = SEGMENTS.get(f.path);
  if (!segs) SEGMENTS.set(f.path, (segs = f.path.split(".")));
  return segs;
}

function collect(root: unknown, f: UnsupportedField, base: Array<string | number>, out: UnsupportedUse[]): void {
  for (const path of pathsSet(root, f, base)) out.push({ path, field: f.path, reason: f.reason, message: `field '${f.path}' is not supported yet and is ignored: ${f.reason}` });
}

/** Where below root the field is set to a value it does not accept. */
function pathsSet(root: unknown, f: UnsupportedField, base: Array<string | number>): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  const walk = (value: unknown, segs: readonly string[], at: Array<string | number>): void => {
    if (segs.length === 0) {
      if (!f.accepts?.some((a) => sameJson(a, value))) out.push(at);
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
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
