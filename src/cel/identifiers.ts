/**
 * @module The variables a CEL expression reads: top-level identifiers, minus
 * macro-bound names (`x` in `list.exists(x, x > 1)`), namespaces and type
 * names. Walks the parsed AST, so member names (`steps.qa.exit_code` reads
 * only `steps`) and string contents are never mistaken for variables.
 */
import type { ASTNode } from "@marcbachmann/cel-js";
import { celAst } from "./compile.js";

/** Macros whose first argument names a variable bound in the later arguments. */
const ONE_VAR_MACROS = new Set(["all", "exists", "exists_one", "existsOne", "map", "filter", "sortBy"]);
/** Macros that accept the two-variable form `(index, value, predicate)`. */
const TWO_VAR_MACROS = new Set(["all", "exists", "exists_one", "existsOne", "transformList", "transformMap", "transformMapEntry"]);
/** Identifiers that name types or namespaces, not variables. */
const NOT_VARIABLES = new Set([
  "int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type", "dyn",
  "timestamp", "duration", "optional", "cel", "math", "strings", "google",
]);

const MAX_CACHE_ENTRIES = 20_000;
const cache = new Map<string, readonly string[] | undefined>();

/** Free variables of the expression, in first-seen order; undefined when it does not parse. */
export function celVariables(expr: string): readonly string[] | undefined {
  if (cache.has(expr)) return cache.get(expr);
  const ast = celAst(expr);
  let names: readonly string[] | undefined;
  if (ast) {
    const found = new Set<string>();
    walk(ast, new Set(), found);
    names = [...found];
  }
  if (cache.size >= MAX_CACHE_ENTRIES) cache.clear();
  cache.set(expr, names);
  return names;
}

function walk(node: ASTNode, bound: ReadonlySet<string>, out: Set<string>): void {
  switch (node.op) {
    case "value":
      return;
    case "id":
      if (!bound.has(node.args) && !NOT_VARIABLES.has(node.args)) out.add(node.args);
      return;
    case ".":
    case ".?":
      walk(node.args[0], bound, out);
      return;
    case "call":
      for (const a of node.args[1]) walk(a, bound, out);
      return;
    case "rcall":
      walkReceiverCall(node.args[0], node.args[1], node.args[2], bound, out);
      return;
    case "list":
      for (const a of node.args) walk(a, bound, out);
      return;
    case "map":
      for (const [k, v] of node.args) {
        walk(k, bound, out);
        walk(v, bound, out);
      }
      return;
    case "!_":
    case "-_":
      walk(node.args, bound, out);
      return;
    default:
      // Binary operators, `?:`, `&&`, `||`, `[]`, `[?]`: every operand is an expression.
      for (const a of node.args as readonly ASTNode[]) walk(a, bound, out);
  }
}

function walkReceiverCall(name: string, receiver: ASTNode, args: readonly ASTNode[], bound: ReadonlySet<string>, out: Set<string>): void {
  // cel.bind(v, init, body): `cel` is a namespace and `v` is bound in body.
  if (name === "bind" && receiver.op === "id" && receiver.args === "cel" && args.length === 3 && args[0]!.op === "id") {
    walk(args[1]!, bound, out);
    walk(args[2]!, new Set([...bound, args[0]!.args]), out);
    return;
  }
  walk(receiver, bound, out);
  const names: string[] = [];
  if (ONE_VAR_MACROS.has(name) && args[0]?.op === "id") {
    names.push(args[0].args);
    if (TWO_VAR_MACROS.has(name) && args.length === 3 && args[1]?.op === "id") names.push(args[1].args);
  }
  const inner = names.length ? new Set([...bound, ...names]) : bound;
  args.slice(names.length).forEach((a) => walk(a, inner, out));
}
