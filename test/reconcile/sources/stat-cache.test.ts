import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StatCache, statOf } from "../../../src/reconcile/sources/stat-cache.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("StatCache", () => {
  it("trusts an unchanged stat only when it was recorded well after the file's last change", () => {
    dir = mkdtempSync(join(tmpdir(), "stat-"));
    const file = join(dir, "a.yaml");
    const cachePath = join(dir, "cache.json");
    writeFileSync(file, "one");
    // Recorded right after the write: racily clean, so not trusted.
    new StatCache(cachePath).replace(new Map([["a.yaml", { stat: statOf(file)!.key, digest: "d1" }]]), true);
    expect(new StatCache(cachePath).digestIfUnchanged("a.yaml", statOf(file)!)).toBeUndefined();
    // The file's mtime well in the past: trusted, across processes (the cache file).
    const old = new Date(Date.now() - 10_000);
    utimesSync(file, old, old);
    new StatCache(cachePath).replace(new Map([["a.yaml", { stat: statOf(file)!.key, digest: "d1" }]]), true);
    expect(new StatCache(cachePath).digestIfUnchanged("a.yaml", statOf(file)!)).toBe("d1");
    // Any change to the file changes its stat.
    writeFileSync(file, "two");
    utimesSync(file, old, old);
    expect(new StatCache(cachePath).digestIfUnchanged("a.yaml", statOf(file)!)).toBeUndefined();
  });
});
