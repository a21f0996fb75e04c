/**
 * @module Test helpers for the store: temp homes, resource writes, and a
 * compiled copy of src/store that child processes can import.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { JsonObject } from "../../src/resources/types.js";
import { initHome, type Home } from "../../src/store/home.js";
import { openSqliteStore } from "../../src/store/sqlite/open.js";
import type { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { ResourceOrigin, ResourceWrite } from "../../src/store/store.js";

export const REPO = resolve(import.meta.dirname, "../..");

const dirs: string[] = [];

export function tempDir(prefix = "orch-store-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** An initialised home in a fresh temp dir, and a store opened on it. */
export function newStore(): { home: Home; store: SqliteStore } {
  const { home } = initHome(tempDir(), {});
  return { home, store: openSqliteStore(home) };
}

export interface WriteOptions {
  project?: string;
  labels?: Record<string, string>;
  origin?: ResourceOrigin;
  hash?: string;
}

export function write(kind: string, name: string, spec: JsonObject, o: WriteOptions = {}): ResourceWrite {
  const metadata: ResourceWrite["metadata"] = { name, project: o.project ?? "default" };
  if (o.labels) metadata.labels = o.labels;
  return {
    apiVersion: "orchestrator.dev/v2",
    kind,
    metadata,
    spec,
    hash: o.hash ?? `hash-${name}-${JSON.stringify(spec).length}`,
    origin: o.origin ?? { appliedBy: "cli" },
  };
}

let compiled: string | undefined;

/**
 * Compiles src/store to JS in a temp dir (with node_modules linked) so real
 * `node` child processes run the same code the tests import.
 */
export function compiledStore(): string {
  if (compiled) return compiled;
  const out = tempDir("orch-store-js-");
  execFileSync(
    join(REPO, "node_modules/.bin/tsc"),
    [
      "--ignoreConfig",
      "--outDir", out,
      "--rootDir", REPO,
      "--module", "nodenext",
      "--moduleResolution", "nodenext",
      "--target", "es2023",
      "--types", "node",
      "--skipLibCheck",
      "--strict",
      join(REPO, "src/store/sqlite/open.ts"),
      join(REPO, "src/store/home.ts"),
    ],
    { cwd: REPO, stdio: "pipe" },
  );
  writeFileSync(join(out, "package.json"), '{"type":"module"}\n');
  symlinkSync(join(REPO, "node_modules"), join(out, "node_modules"));
  compiled = out;
  return out;
}
