/**
 * @module Binary snapshots (`safety.binary_snapshot`, or a Workspace's
 * `binary_snapshot` for every workflow run in it): at the start of each
 * cycle the workspace's built output is copied aside as the stable build,
 * with a manifest of its content hash; rolling the workspace back puts it
 * back, since built output is rarely under git. The built output is `dist/`
 * for a Node package and `target/release/orchestratord` for upstream's Rust
 * layout. The copy lives in the state folder (`stable/<workspace>/`), not in
 * the workspace, so it is never part of a checkpoint or a diff.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

export interface SnapshotManifest {
  version: 1;
  /** Path of the built output, relative to the workspace root. */
  source: string;
  sha256: string;
  files: number;
  taskId: string;
  cycle: number;
  createdAt: string;
}

const CANDIDATES = ["dist", "target/release/orchestratord"] as const;

/** The workspace's built output (relative path), or undefined when it has none yet. */
export function builtOutputOf(root: string): string | undefined {
  const node = existsSync(join(root, "package.json"));
  for (const c of CANDIDATES) {
    if (c === "dist" && !node) continue;
    if (existsSync(join(root, c))) return c;
  }
  return undefined;
}

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const out: string[] = [];
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** One hash over every file's relative path and content. */
export function contentHash(path: string): { sha256: string; files: number } {
  const files = filesUnder(path).sort();
  const h = createHash("sha256");
  for (const f of files) {
    h.update(relative(path, f).split(sep).join("/"));
    h.update("\0");
    h.update(readFileSync(f));
  }
  return { sha256: h.digest("hex"), files: files.length };
}

export function snapshotDir(homeDir: string, workspace: string): string {
  return join(homeDir, "stable", encodeURIComponent(workspace));
}

/** Copies the built output aside (replacing the previous snapshot whole); undefined when there is none to copy. */
export function takeBinarySnapshot(root: string, dir: string, taskId: string, cycle: number): SnapshotManifest | undefined {
  const source = builtOutputOf(root);
  if (!source) return undefined;
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  cpSync(join(root, source), join(tmp, "output"), { recursive: true });
  const { sha256, files } = contentHash(join(tmp, "output"));
  const manifest: SnapshotManifest = { version: 1, source, sha256, files, taskId, cycle, createdAt: new Date().toISOString() };
  writeFileSync(join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return manifest;
}

/** Puts the snapshot back over the built output after checking it is intact; throws when it is not. */
export function restoreBinarySnapshot(root: string, dir: string): SnapshotManifest {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as SnapshotManifest;
  const copy = join(dir, "output");
  const now = contentHash(copy);
  if (now.sha256 !== manifest.sha256) throw new Error(`the stable build in ${dir} does not match its manifest (sha256 ${now.sha256}, expected ${manifest.sha256}); not restored`);
  const target = join(root, manifest.source);
  rmSync(target, { recursive: true, force: true });
  cpSync(copy, target, { recursive: true });
  return manifest;
}
