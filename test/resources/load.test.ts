import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadManifestPaths } from "../../src/resources/load.js";

describe("loadManifestPaths", () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const setup = (files: Record<string, string | Buffer>): void => {
    dir = mkdtempSync(join(tmpdir(), "load-"));
    for (const [rel, body] of Object.entries(files)) {
      mkdirSync(join(dir, rel, ".."), { recursive: true });
      writeFileSync(join(dir, rel), body);
    }
  };

  it("reads *.yaml and *.yml recursively in a stable order, skipping dot-folders and other files", () => {
    setup({ "b.yaml": "b", "a/z.yml": "z", "a/c.yaml": "c", "notes.txt": "x", ".hidden/h.yaml": "h", "A.YAML": "A" });
    const r = loadManifestPaths(["."], dir);
    expect(r.diagnostics).toEqual([]);
    expect(r.files.map((f) => f.file)).toEqual(["A.YAML", "a/c.yaml", "a/z.yml", "b.yaml"]);
  });

  it("reports a missing path", () => {
    setup({});
    expect(loadManifestPaths(["nope.yaml"], dir).diagnostics).toMatchObject([{ code: "io", message: "path 'nope.yaml' does not exist" }]);
  });

  it("reports a binary file", () => {
    setup({ "bin.yaml": Buffer.from([0x00, 0x01, 0x02]), "latin.yaml": Buffer.from([0x61, 0xff, 0xfe, 0x62]) });
    const r = loadManifestPaths(["bin.yaml", "latin.yaml"], dir);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["binary", "binary"]);
  });

  it("reads stdin for -", () => {
    setup({});
    const r = loadManifestPaths(["-"], dir, () => "kind: Agent\n");
    expect(r.files).toEqual([{ file: "<stdin>", absolutePath: "<stdin>", text: "kind: Agent\n" }]);
  });

  it("reports a directory with no manifests", () => {
    setup({ "x.txt": "" });
    expect(loadManifestPaths(["."], dir).diagnostics).toMatchObject([{ code: "empty" }]);
  });
});
