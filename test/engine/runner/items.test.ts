import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectItemPaths } from "../../../src/engine/runner/items.js";

describe("collectItemPaths", () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const setup = (files: string[]): void => {
    root = mkdtempSync(join(tmpdir(), "items-"));
    for (const f of files) {
      mkdirSync(join(root, f, ".."), { recursive: true });
      writeFileSync(join(root, f), "x");
    }
  };

  it("collects .md files under qa targets, sorted, plus target files, without duplicates", () => {
    setup(["docs/qa/b.md", "docs/qa/sub/a.md", "docs/qa/notes.txt", "docs/qa/.hidden/x.md", "src/x.ts"]);
    expect(collectItemPaths(root, ["docs/qa", "missing"], ["src/x.ts", "docs/qa/b.md"])).toEqual(["docs/qa/b.md", "docs/qa/sub/a.md", "src/x.ts"]);
  });

  it("refuses target files outside the root and ones that do not exist", () => {
    setup(["a.md"]);
    expect(() => collectItemPaths(root, [], ["../etc/passwd"])).toThrow(/outside the workspace root/);
    expect(() => collectItemPaths(root, [], ["/etc/passwd"])).toThrow(/outside the workspace root/);
    expect(() => collectItemPaths(root, [], ["nope.md"])).toThrow(/does not exist/);
    expect(() => collectItemPaths(root, ["../.."], [])).toThrow(/outside the workspace root/);
  });
});
