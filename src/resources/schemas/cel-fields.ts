/**
 * @module Turns a CEL syntax error in a manifest field into a SpecIssue that
 * names the field and, when the parser says where, the offset in the text.
 */
import { compileCel } from "../../cel/compile.js";
import type { SpecIssue } from "./common.js";

/** An issue when `expr` does not parse, else undefined. Non-strings are the schema's business. */
export function celIssue(path: ReadonlyArray<string | number>, expr: unknown): SpecIssue | undefined {
  if (typeof expr !== "string" || expr.trim() === "") return undefined;
  const r = compileCel(expr);
  if (r.ok) return undefined;
  const where = r.offset !== undefined ? ` at offset ${r.offset}` : "";
  return {
    path,
    code: "cel",
    message: `invalid CEL expression ${JSON.stringify(expr)}: ${r.message}${where}`,
    hint: "CEL syntax: comparisons (==, <), && / ||, !, size(list), x in list, s.startsWith(\"p\")",
  };
}

/** Collects the issues of several CEL fields at once. */
export function celIssues(fields: ReadonlyArray<readonly [ReadonlyArray<string | number>, unknown]>): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const [path, expr] of fields) {
    const issue = celIssue(path, expr);
    if (issue) out.push(issue);
  }
  return out;
}
