import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unifiedDiff } from "../../../src/reconcile/diff/unified.js";

const work = mkdtempSync(join(tmpdir(), "orch-unified-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const opts = { fromLabel: "live", toLabel: "desired" };

/** What GNU diff -u prints for the same texts and labels. */
function gnuDiff(before: string, after: string, context = 3): string {
  writeFileSync(join(work, "a"), before);
  writeFileSync(join(work, "b"), after);
  const r = spawnSync("diff", [`-U${context}`, "--label", "live", "--label", "desired", "a", "b"], { cwd: work, encoding: "utf8" });
  return r.stdout;
}

/** Applies our diff with patch(1), no fuzz; returns the result and whether any hunk needed an offset. */
function patchWith(before: string, diff: string): { text: string; offset: boolean } {
  writeFileSync(join(work, "live"), before);
  writeFileSync(join(work, "p.diff"), diff);
  const r = spawnSync("patch", ["-F0", "--no-backup-if-mismatch", "-o", "out", "live", "p.diff"], { cwd: work, encoding: "utf8" });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return { text: readFileSync(join(work, "out"), "utf8"), offset: /offset|fuzz/i.test(r.stdout) };
}

const lines = (n: number, prefix = "line"): string => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}\n`).join("");

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff("a\nb\n", "a\nb\n", opts)).toBe("");
  });

  it("prints headers, an @@ hunk and three lines of context", () => {
    const before = lines(10);
    const after = before.replace("line 5\n", "line five\n");
    expect(unifiedDiff(before, after, opts)).toBe(
      [
        "--- live",
        "+++ desired",
        "@@ -2,7 +2,7 @@",
        " line 2",
        " line 3",
        " line 4",
        "-line 5",
        "+line five",
        " line 6",
        " line 7",
        " line 8",
        "",
      ].join("\n"),
    );
  });

  const cases: Array<[string, string, string]> = [
    ["one change in the middle", lines(10), lines(10).replace("line 5\n", "line five\n")],
    ["creation from nothing", "", lines(4)],
    ["deletion to nothing", lines(4), ""],
    ["single line each side", "a\n", "b\n"],
    ["changes 7 lines apart share one hunk", lines(20), lines(20).replace("line 3\n", "x\n").replace("line 10\n", "y\n")],
    ["changes 8 lines apart get two hunks", lines(20), lines(20).replace("line 3\n", "x\n").replace("line 11\n", "y\n")],
    ["insertion at the top", lines(6), "new\n" + lines(6)],
    ["append at the end", lines(6), lines(6) + "new\n"],
    ["missing final newline after", lines(3), "line 1\nline 2\nline 3"],
    ["missing final newline before", "line 1\nline 2", "line 1\nline 2\n"],
  ];

  for (const [name, before, after] of cases) {
    it(`matches GNU diff -u: ${name}`, () => {
      expect(unifiedDiff(before, after, opts)).toBe(gnuDiff(before, after));
    });
  }

  it("honours a custom context", () => {
    const before = lines(10);
    const after = before.replace("line 5\n", "x\n");
    expect(unifiedDiff(before, after, { ...opts, context: 0 })).toBe(gnuDiff(before, after, 0));
    expect(unifiedDiff(before, after, { ...opts, context: 1 })).toBe(gnuDiff(before, after, 1));
  });

  it("applies cleanly with patch(1), at the exact line numbers, for random edits", () => {
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 40; round++) {
      const before = Array.from({ length: 5 + next(40) }, () => `v${next(6)}\n`).join("");
      const afterLines = before.split("\n").slice(0, -1);
      for (let k = next(6); k >= 0; k--) {
        const at = next(afterLines.length + 1);
        if (next(2) === 0) afterLines.splice(at, 1);
        else afterLines.splice(at, 0, `new${next(100)}`);
      }
      const after = afterLines.map((l) => l + "\n").join("");
      const diff = unifiedDiff(before, after, opts);
      if (before === after) {
        expect(diff).toBe("");
        continue;
      }
      const patched = patchWith(before, diff);
      expect(patched.text).toBe(after);
      expect(patched.offset).toBe(false);
    }
  });
});
