/**
 * @module Shortest edit script between two sequences (Myers, "An O(ND)
 * Difference Algorithm and Its Variations", 1986): the line diff under the
 * unified renderer, and the alignment of list items in field diffs.
 */

export type EditOp = "equal" | "delete" | "insert";

/**
 * One step of the script. `aIndex` is set for `equal` and `delete`, `bIndex`
 * for `equal` and `insert`.
 */
export interface Edit {
  op: EditOp;
  aIndex: number;
  bIndex: number;
}

export type Equality<T> = (x: T, y: T) => boolean;

/** The V array of one round `d`, kept only over the diagonals it can reach. */
interface Frontier {
  lowK: number;
  xs: Int32Array;
}

/**
 * A minimal edit script turning `a` into `b`. Within each changed run the
 * deletions come before the insertions, as diff(1) and git print them.
 */
export function diffSequences<T>(a: readonly T[], b: readonly T[], eq: Equality<T> = Object.is): Edit[] {
  // Common head and tail are free; trimming them keeps the O(ND) core small.
  let head = 0;
  while (head < a.length && head < b.length && eq(a[head] as T, b[head] as T)) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    eq(a[a.length - 1 - tail] as T, b[b.length - 1 - tail] as T)
  ) {
    tail++;
  }

  const edits: Edit[] = [];
  for (let i = 0; i < head; i++) edits.push({ op: "equal", aIndex: i, bIndex: i });
  const middle = shortestScript(a.slice(head, a.length - tail), b.slice(head, b.length - tail), eq);
  for (const e of middle) edits.push({ op: e.op, aIndex: e.aIndex + head, bIndex: e.bIndex + head });
  for (let i = tail; i > 0; i--) {
    edits.push({ op: "equal", aIndex: a.length - i, bIndex: b.length - i });
  }
  return deletionsFirst(edits);
}

function shortestScript<T>(a: readonly T[], b: readonly T[], eq: Equality<T>): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return [];
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Frontier[] = [];

  for (let d = 0; d <= max; d++) {
    trace.push({ lowK: -d - 1, xs: v.slice(offset - d - 1, offset + d + 2) });
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
      let x = down ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && eq(a[x] as T, b[y] as T)) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m);
    }
  }
  /* c8 ignore next: d = n + m always reaches the end */
  throw new Error("diffSequences: no edit script found");
}

function backtrack(trace: readonly Frontier[], n: number, m: number): Edit[] {
  const reversed: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const { lowK, xs } = trace[d] as Frontier;
    const at = (k: number): number => xs[k - lowK] as number;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      reversed.push({ op: "equal", aIndex: x, bIndex: y });
    }
    if (d > 0) {
      if (down) reversed.push({ op: "insert", aIndex: x, bIndex: prevY });
      else reversed.push({ op: "delete", aIndex: prevX, bIndex: y });
    }
    x = prevX;
    y = prevY;
  }
  return reversed.reverse();
}

/** Reorders each run between two `equal` steps so its deletions lead. */
function deletionsFirst(edits: readonly Edit[]): Edit[] {
  const out: Edit[] = [];
  let deletes: Edit[] = [];
  let inserts: Edit[] = [];
  const flush = (): void => {
    out.push(...deletes, ...inserts);
    deletes = [];
    inserts = [];
  };
  for (const e of edits) {
    if (e.op === "delete") deletes.push(e);
    else if (e.op === "insert") inserts.push(e);
    else {
      flush();
      out.push(e);
    }
  }
  flush();
  return out;
}
