/**
 * @module CEL compilation and evaluation shared by every place a manifest
 * carries an expression (prehooks, finalize rules, convergence checks, CRD
 * rules, trigger filters). Parsed programs are cached by source text, so a
 * set of 10,000 workflows that repeat the same `when` parses it once.
 */
import { parse, type ASTNode, type ParseResult } from "@marcbachmann/cel-js";

export type CelCompileResult = { ok: true } | { ok: false; message: string; offset?: number };

interface CacheEntry {
  result: CelCompileResult;
  program?: ParseResult;
}

/** Bounded so a long-running controller fed ever-new expressions cannot grow without limit. */
const MAX_CACHE_ENTRIES = 20_000;
const cache = new Map<string, CacheEntry>();

function entryFor(expr: string): CacheEntry {
  const hit = cache.get(expr);
  if (hit) return hit;
  let entry: CacheEntry;
  try {
    entry = { result: { ok: true }, program: parse(expr) };
  } catch (err) {
    entry = { result: describeParseError(err) };
  }
  if (cache.size >= MAX_CACHE_ENTRIES) cache.clear();
  cache.set(expr, entry);
  return entry;
}

/** The library's message carries a code frame after a blank line; keep the one-line summary. */
function describeParseError(err: unknown): CelCompileResult {
  const e = err as { summary?: unknown; message?: unknown; range?: { start?: unknown } };
  const text = typeof e.summary === "string" ? e.summary : String(e.message ?? err).split("\n")[0] ?? "parse error";
  const offset = typeof e.range?.start === "number" ? e.range.start : undefined;
  return offset === undefined ? { ok: false, message: text } : { ok: false, message: text, offset };
}

/** Syntax check only: a variable the expression reads is resolved at evaluation time. */
export function compileCel(expr: string): CelCompileResult {
  return entryFor(expr).result;
}

/** The parsed AST, or undefined when the expression does not parse. */
export function celAst(expr: string): ASTNode | undefined {
  return entryFor(expr).program?.ast;
}

/**
 * Evaluates an expression against variables. Whole JS numbers become CEL ints
 * (bigint), as YAML and JSON do not tell `3` from `3.0` and CEL does.
 * Throws the library's ParseError or EvaluationError.
 */
export function evaluateCel(expr: string, vars: Record<string, unknown>): unknown {
  return evaluateTypedCel(expr, toCelValue(vars) as Record<string, unknown>);
}

/**
 * Evaluates with variables already typed for CEL (ints as bigints, doubles as
 * numbers), as the engine builds them: a confidence of 1.0 stays a double.
 */
export function evaluateTypedCel(expr: string, vars: Record<string, unknown>): unknown {
  const entry = entryFor(expr);
  if (!entry.program) {
    const r = entry.result as { message: string };
    throw new Error(`invalid CEL expression: ${r.message}`);
  }
  return entry.program(vars);
}

function toCelValue(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCelValue);
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toCelValue(x);
    return out;
  }
  return v;
}
