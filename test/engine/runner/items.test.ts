import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectItemPaths, itemPathOf } from "../../../src/engine/runner/items.js";

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

  describe("judged by real paths", () => {
    let outside: string;
    afterEach(() => rmSync(outside, { recursive: true, force: true }));
    const withOutside = (): void => {
      outside = mkdtempSync(join(tmpdir(), "items-outside-"));
      writeFileSync(join(outside, "secret.md"), "s");
    };

    it("refuses a target file that is a link to a file outside the root", () => {
      setup(["a.md"]);
      withOutside();
      symlinkSync(join(outside, "secret.md"), join(root, "link.md"));
      expect(() => collectItemPaths(root, [], ["link.md"])).toThrow(/target file 'link\.md' is outside the workspace root/);
      expect(() => collectItemPaths(root, [], [join(root, "link.md")])).toThrow(/outside the workspace root/);
    });

    it("refuses a qa target that is a link to a directory outside the root", () => {
      setup(["a.md"]);
      withOutside();
      symlinkSync(outside, join(root, "qa"));
      expect(() => collectItemPaths(root, ["qa"], [])).toThrow(/qa target 'qa' \(spec\.qa_targets\) is outside the workspace root/);
    });

    it("leaves out links inside a qa directory that point outside, and follows those that stay inside", () => {
      setup(["docs/qa/a.md", "other/b.md"]);
      withOutside();
      symlinkSync(join(outside, "secret.md"), join(root, "docs/qa/escape.md"));
      symlinkSync(outside, join(root, "docs/qa/escape-dir"));
      symlinkSync(join(root, "other"), join(root, "docs/qa/inside-dir"));
      symlinkSync(join(root, "docs/qa"), join(root, "docs/qa/loop"));
      expect(collectItemPaths(root, ["docs/qa"], [])).toEqual(["docs/qa/a.md", "docs/qa/inside-dir/b.md"]);
    });

    it("accepts a file named by its real path when the root is reached through a link", () => {
      setup(["docs/a.md"]);
      withOutside();
      const linkedRoot = join(outside, "root-link");
      symlinkSync(root, linkedRoot);
      expect(itemPathOf(linkedRoot, join(root, "docs/a.md"), "target file")).toBe("docs/a.md");
      expect(collectItemPaths(linkedRoot, ["docs"], [])).toEqual(["docs/a.md"]);
    });
  });
});
