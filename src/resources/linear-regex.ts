/**
 * @module Regular expressions written in manifests (a CRD schema's `pattern`
 * and `patternProperties`, CEL's `matches()`), run by a linear-time engine
 * (re2js, RE2 semantics). JavaScript's own engine backtracks: `^(a+)+$`
 * against forty `a`s and a `b` takes minutes, and a manifest must never be
 * able to stall the process that validates it. RE2 gives up lookaround and
 * backreferences for that guarantee; a pattern that uses them is refused
 * with the engine's message.
 */
import { RE2JS } from "re2js";

export interface LinearRegex {
  /** True when the pattern matches anywhere in `input` (as RegExp.prototype.test). */
  test(input: string): boolean;
}

/** Compiled patterns, bounded: a long-running controller fed ever-new patterns must not grow without limit. */
const MAX_CACHE = 5000;
const cache = new Map<string, LinearRegex | Error>();

/**
 * Compiles a pattern written in JavaScript/JSON Schema syntax or RE2 syntax
 * (the common subset is the same; `\/` and `(?<name>` are translated).
 * Throws an Error whose message says why a pattern is refused.
 */
export function compileLinearRegex(pattern: string): LinearRegex {
  let hit = cache.get(pattern);
  if (hit === undefined) {
    try {
      const re = RE2JS.compile(RE2JS.translateRegExp(pattern));
      hit = { test: (input: string) => re.test(input) };
    } catch (err) {
      hit = new Error(`regular expression ${JSON.stringify(pattern)} is not supported: ${(err as Error).message} (patterns use RE2 syntax, without lookaround or backreferences)`);
    }
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(pattern, hit);
  }
  if (hit instanceof Error) throw hit;
  return hit;
}

/** ajv's `code.regExp` engine: ajv calls it with each `pattern` when it compiles a schema. */
export const ajvLinearRegExp = Object.assign((pattern: string, _flags: string): LinearRegex => compileLinearRegex(pattern), {
  code: "linearRegExp",
});
