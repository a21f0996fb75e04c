import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changedProtectedFiles, protectedBaseline } from "../../../src/engine/invariants/protected-files.js";

describe("protected files", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "protected-"));
    mkdirSync(join(root, ".github/workflows"), { recursive: true });
    mkdirSync(join(root, ".git"));
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, ".github/workflows/ci.yml"), "ci\n");
    writeFileSync(join(root, "Cargo.lock"), "lock\n");
    writeFileSync(join(root, "src/a.ts"), "a\n");
    writeFileSync(join(root, ".git/config"), "git\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const GLOBS = [".github/workflows/*", "Cargo.lock"];

  it("records the files the globs match (dot files too), and nothing else", () => {
    expect(Object.keys(protectedBaseline(root, GLOBS)).sort()).toEqual([".github/workflows/ci.yml", "Cargo.lock"]);
    expect(Object.keys(protectedBaseline(root, ["**/*"]))).not.toContain(".git/config");
    expect(protectedBaseline(root, [])).toEqual({});
  });

  it("names files created, changed and deleted since the baseline, sorted", () => {
    const baseline = protectedBaseline(root, GLOBS);
    expect(changedProtectedFiles(root, GLOBS, baseline)).toEqual([]);
    writeFileSync(join(root, "Cargo.lock"), "lock v2\n");
    writeFileSync(join(root, ".github/workflows/new.yml"), "new\n");
    writeFileSync(join(root, "src/a.ts"), "unprotected change\n");
    expect(changedProtectedFiles(root, GLOBS, baseline)).toEqual([".github/workflows/new.yml", "Cargo.lock"]);
    unlinkSync(join(root, ".github/workflows/ci.yml"));
    expect(changedProtectedFiles(root, GLOBS, baseline)).toEqual([".github/workflows/ci.yml", ".github/workflows/new.yml", "Cargo.lock"]);
  });

  it("sees a protected file that did not exist at the start once it is created", () => {
    const baseline = protectedBaseline(root, ["VERSION"]);
    expect(baseline).toEqual({});
    writeFileSync(join(root, "VERSION"), "1\n");
    expect(changedProtectedFiles(root, ["VERSION"], baseline)).toEqual(["VERSION"]);
  });
});
