/**
 * @module "Did you mean" for unknown field and kind names: a table of known
 * misplacements first, then the closest sibling by spelling.
 */

/**
 * The suggestion for an unknown name, or undefined when nothing is close.
 * `extra` maps names people put in the wrong place to where they belong
 * (`capture` on a step -> `behavior.captures`).
 */
export function suggestField(unknown: string, known: readonly string[], extra?: Record<string, string>): string | undefined {
  const placed = extra && Object.hasOwn(extra, unknown) ? extra[unknown] : undefined;
  if (placed) return placed;
  const norm = normalize(unknown);
  // Same name in another case or separator style: concurrency_policy -> concurrencyPolicy.
  const sameWord = known.find((k) => normalize(k) === norm);
  if (sameWord) return sameWord;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(norm, normalize(k));
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= allowedDistance(norm.length) && bestDistance < norm.length) return best;
  // A truncated name: `timeout` -> `timeout_secs`.
  if (norm.length >= 4) return known.find((k) => normalize(k).startsWith(norm));
  return undefined;
}

function normalize(s: string): string {
  return s.toLowerCase().replace(/[_\-\s]/g, "");
}

/** Short names tolerate one typo; longer ones a few. */
function allowedDistance(length: number): number {
  if (length <= 4) return 1;
  if (length <= 8) return 2;
  return 3;
}

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j]!;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i * cols + j] = v;
    }
  }
  return at(a.length, b.length);
}
