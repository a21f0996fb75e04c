/**
 * @module CEL compilation and evaluation shared by every place a manifest
 * carries an expression (prehooks, finalize rules, convergence checks, CRD
 * rules, trigger filters). Parsed programs are cached by source text, so a
 * set of 10,000 workflows that repeat the same `when` parses it once.
 */
import { Environment, type ASTNode, type ParseResult } from "@marcbachmann/cel-js";
import { compileLinearRegex } from "../resources/linear-regex.js";
import { CEL_TIME_BUDGET_MS, CelBudgetError, MAX_COMPREHENSION_NESTING, withinTimeBudget } from "./budget.js";

export type CelCompileResult = { ok: true } | { ok: false; message: string; offset?: number };

interface CacheEntry {
  result: CelCompileResult;
  program?: ParseResult;
  /** Holds a comprehension: evaluated under the time budget. */
  loops?: boolean;
}

/**
 * `string.matches()` on a linear-time engine: the library's own uses
 * JavaScript's backtracking RegExp. The library cannot replace a standard
 * overload, so parsed calls of `matches` are pointed at this one instead
 * (see linearMatches below).
 */
const LINEAR_MATCHES = "matches_linear";
const env = new Environment({ unlistedVariablesAreDyn: true }).registerFunction(`string.${LINEAR_MATCHES}(string): bool`, (input: string, pattern: string) => {
  try {
    return compileLinearRegex(pattern).test(input);
  } catch (err) {
    throw new Error(`matches(): ${(err as Error).message}`);
  }
});

/** Macros that loop over a list or map, or bind a variable (which can double data at each level). */
const COMPREHENSIONS = new Set(["all", "exists", "exists_one", "existsOne", "map", "filter", "sortBy", "transformList", "transformMap", "transformMapEntry", "bind"]);

/** Bounded so a long-running controller fed ever-new expressions cannot grow without limit. */
const MAX_CACHE_ENTRIES = 20_000;
const cache = new Map<string, CacheEntry>();

function entryFor(expr: string): CacheEntry {
  const hit = cache.get(expr);
  if (hit) return hit;
  let entry: CacheEntry;
  try {
    const program = env.parse(expr);
    const shape = inspect(program.ast);
    entry =
      shape.nesting > MAX_COMPREHENSION_NESTING
        ? { result: { ok: false, message: `comprehensions (all, exists, map, filter, cel.bind, ...) nest ${shape.nesting} deep; at most ${MAX_COMPREHENSION_NESTING} are allowed` } }
        : { result: { ok: true }, program, loops: shape.nesting > 0 };
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
  const program = entry.program;
  if (!entry.loops) {
    try {
      return program(vars);
    } catch (err) {
      throw restoreNames(err);
    }
  }
  // An expression that just ran out of budget is not run again for a while: a set of a thousand
  // documents sharing one runaway rule costs one budget, not a thousand.
  const struck = overBudget.get(expr);
  if (struck !== undefined && Date.now() - struck < STRIKE_MS) {
    throw new CelBudgetError(`the expression ran past its budget of ${CEL_TIME_BUDGET_MS} ms less than ${STRIKE_MS / 1000} s ago (on other input), and is not run again yet`);
  }
  try {
    return withinTimeBudget(() => program(vars));
  } catch (err) {
    if (err instanceof CelBudgetError) {
      if (overBudget.size >= MAX_CACHE_ENTRIES) overBudget.clear();
      overBudget.set(expr, Date.now());
    }
    throw restoreNames(err);
  }
}

/** Expressions that ran out of budget, and when. */
const overBudget = new Map<string, number>();
const STRIKE_MS = 60_000;

interface Shape {
  /** Deepest nesting of comprehensions. */
  nesting: number;
}

/**
 * Walks the AST once (iteratively) after parsing: measures how deeply
 * comprehensions nest, and points every `x.matches(re)` at the linear-time
 * overload. The parser's depth limit keeps the tree small enough to walk.
 */
function inspect(root: ASTNode): Shape {
  let nesting = 0;
  const stack: Array<[ASTNode, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    let d = depth;
    if (node.op === "rcall" || node.op === "call") {
      const name = node.args[0];
      if (node.op === "rcall" && name === "matches" && node.args[2].length === 1) (node.args as unknown as unknown[])[0] = LINEAR_MATCHES;
      if (COMPREHENSIONS.has(name)) d = depth + 1;
      nesting = Math.max(nesting, d);
    }
    for (const child of children(node)) stack.push([child, d]);
  }
  return { nesting };
}

function children(node: ASTNode): ASTNode[] {
  switch (node.op) {
    case "value":
    case "id":
      return [];
    case ".":
    case ".?":
      return [node.args[0]];
    case "call":
      return [...node.args[1]];
    case "rcall":
      return [node.args[1], ...node.args[2]];
    case "list":
      return [...node.args];
    case "map":
      return node.args.flatMap(([k, v]) => [k, v]);
    case "!_":
    case "-_":
      return [node.args];
    default:
      return [...(node.args as readonly ASTNode[])];
  }
}

/** Messages speak of `matches`, as the user wrote it. */
function restoreNames(err: unknown): unknown {
  if (err instanceof Error && err.message.includes(LINEAR_MATCHES)) err.message = err.message.split(LINEAR_MATCHES).join("matches");
  return err;
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
