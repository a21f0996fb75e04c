/**
 * @module The limits a manifest's YAML structure is held to before it is
 * turned into data: how deeply collections nest, and how far aliases may
 * expand. Both guard the process rather than the meaning: a document nested
 * thousands of levels deep overflows the recursive parts of parsing and
 * validation ("Maximum call stack size exceeded"), and a few lines of aliases
 * to aliases (a "billion laughs" bomb) expand into more data than memory
 * holds. Each is reported as an ordinary error at the place it starts.
 */
import type { CST } from "yaml";

/** Collections (mappings and lists) nested deeper than this are refused; real manifests nest about a dozen levels. */
export const MAX_NESTING_DEPTH = 100;

/**
 * The `maxAliasCount` handed to yaml's toJS: how many nodes the aliases of
 * one document may stand for, summed over every alias use. Ordinary anchors
 * (a shared step, a list of common env) use a handful.
 */
export const MAX_ALIAS_EXPANSION = 1000;

export interface CstShape {
  /** Offset of the first collection deeper than MAX_NESTING_DEPTH, if any. */
  tooDeepAt?: number;
  /** Offset of the first alias (`*name`), if any. */
  firstAliasAt?: number;
}

/** Walks one CST document without recursion (the point is not to overflow the stack). */
export function cstShape(token: CST.Token, maxDepth = MAX_NESTING_DEPTH): CstShape {
  const shape: CstShape = {};
  const stack: Array<[CST.Token, number]> = [[token, 0]];
  while (stack.length > 0) {
    const [t, depth] = stack.pop()!;
    switch (t.type) {
      case "document":
        if (t.value) stack.push([t.value, depth]);
        break;
      case "alias":
        if (shape.firstAliasAt === undefined || t.offset < shape.firstAliasAt) shape.firstAliasAt = t.offset;
        break;
      case "block-map":
      case "block-seq":
      case "flow-collection": {
        const d = depth + 1;
        if (d > maxDepth) {
          if (shape.tooDeepAt === undefined || t.offset < shape.tooDeepAt) shape.tooDeepAt = t.offset;
          break;
        }
        for (const item of t.items as CST.CollectionItem[]) {
          if (item.key) stack.push([item.key, d]);
          if (item.value) stack.push([item.value, d]);
        }
        break;
      }
      default:
        break;
    }
  }
  return shape;
}

/** Depth of nested objects and arrays in plain data, without recursion; stops counting past `limit`. */
export function dataDepthExceeds(value: unknown, limit = MAX_NESTING_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  const seen = new Map<object, number>();
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth + 1 > limit) return true;
    // An alias shares its node: a shared subtree is walked again only when met deeper than before.
    if ((seen.get(v) ?? -1) >= depth) continue;
    seen.set(v, depth);
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, depth + 1]);
  }
  return false;
}
