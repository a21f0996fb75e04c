/**
 * The README and docs/ stand alone: every link they make resolves inside the
 * repository, and neither names a path outside it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli.js";

const pages = ["README.md", ...readdirSync(join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

describe("README.md and docs/", () => {
  it.each(pages)("%s links only to files in the repository that exist", (page) => {
    const text = readFileSync(join(REPO_ROOT, page), "utf8");
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
      const path = resolve(REPO_ROOT, dirname(page), target!);
      expect(relative(REPO_ROOT, path).startsWith(".."), `${page} -> ${target}`).toBe(false);
      expect(existsSync(path), `${page} -> ${target}`).toBe(true);
    }
    expect(text).not.toMatch(/\.\.\/shared|\/work\/shared/);
  });
});
