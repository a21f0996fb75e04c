/**
 * @module Reading manifests as they were at a commit, straight from the
 * object database: the working tree, the index and HEAD are never touched
 * (`orchestrator diff --from REF --to REF`, and a git source's clone, whose
 * checkout stays on the last applied commit while a new one is tried).
 */
import { execa } from "execa";
import { gitClient, gitEnv, gitErrorText } from "./client.js";
import { GitRefError, GitSourceError } from "./errors.js";
import { normalizeRepoPath } from "./repo-path.js";
import { isFullSha, revParse } from "./rev-parse.js";

export interface TreeFile {
  /** Path from the repository root, `/`-separated. */
  file: string;
  text: string;
}

const MANIFEST_FILE = /\.ya?ml$/i;
/** Symbolic links are stored as blobs holding the target path, not content. */
const SYMLINK_MODE = "120000";

/** Full sha of the commit `ref` names (branch, tag, sha, `HEAD~2`, ...) in `repoDir`. */
export async function resolveCommit(repoDir: string, ref: string): Promise<string> {
  if (ref === "" || ref.startsWith("-")) throw new GitRefError(ref, `invalid revision '${ref}'`);
  const git = gitClient(repoDir);
  try {
    await git.raw(["rev-parse", "--git-dir"]);
  } catch (e) {
    throw new GitSourceError(`${repoDir} is not a git repository: ${gitErrorText(e)}`);
  }
  const commit = await revParse(git, ref);
  if (!commit) {
    throw new GitRefError(ref, `unknown revision '${ref}' in ${repoDir}: not a branch, tag or commit`);
  }
  return commit;
}

/** A manifest blob as stored: bytes, so callers can tell binary content from text. */
export interface TreeBlob {
  /** Path from the repository root, `/`-separated. */
  file: string;
  bytes: Buffer;
}

/**
 * Every `*.yaml` / `*.yml` blob under `path` at `commit`, sorted by path.
 * `path` may name a directory or a single file; a path the commit does not
 * have yields no files (it may be created by a later commit). As for a
 * directory on disk, folders below `path` whose name starts with `.` (such
 * as `.github`) or that are `node_modules` are skipped.
 */
export async function readTreeAtCommit(repoDir: string, commit: string, path = ""): Promise<TreeFile[]> {
  const decoder = new TextDecoder("utf-8");
  return (await readTreeBlobs(repoDir, commit, path)).map((b) => ({ file: b.file, text: decoder.decode(b.bytes) }));
}

/** As readTreeAtCommit, with each file's bytes as stored. */
export async function readTreeBlobs(repoDir: string, commit: string, path = ""): Promise<TreeBlob[]> {
  const sha = isFullSha(commit) ? commit : await resolveCommit(repoDir, commit);
  const subPath = normalizeRepoPath(path);
  const git = gitClient(repoDir);
  const listing = await git.raw(["ls-tree", "-r", "-z", "--full-tree", sha, ...(subPath ? ["--", subPath] : [])]);

  const blobs: Array<{ file: string; oid: string }> = [];
  for (const record of listing.split("\0")) {
    if (record === "") continue;
    const tab = record.indexOf("\t");
    const [mode, type, oid] = record.slice(0, tab).split(" ");
    const file = record.slice(tab + 1);
    if (type !== "blob" || mode === SYMLINK_MODE || !oid || !MANIFEST_FILE.test(file) || inSkippedFolder(file, subPath)) continue;
    blobs.push({ file, oid });
  }
  blobs.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  if (blobs.length === 0) return [];

  const contents = await readBlobs(repoDir, blobs.map((b) => b.oid));
  return blobs.map((b, i) => ({ file: b.file, bytes: contents[i] as Buffer }));
}

/** True when `path` ("" for the whole tree) names a file or directory at `commit`. */
export async function pathExistsAtCommit(repoDir: string, commit: string, path: string): Promise<boolean> {
  const subPath = normalizeRepoPath(path);
  if (subPath === "") return true;
  const sha = isFullSha(commit) ? commit : await resolveCommit(repoDir, commit);
  const result = await execa("git", ["cat-file", "-e", `${sha}:${subPath}`], { cwd: repoDir, env: gitEnv(), extendEnv: false, reject: false });
  return result.exitCode === 0;
}

/** A folder between `subPath` and the file that a directory walk would not enter. */
function inSkippedFolder(file: string, subPath: string): boolean {
  const below = subPath && file.startsWith(`${subPath}/`) ? file.slice(subPath.length + 1) : file === subPath ? "" : file;
  const folders = below.split("/").slice(0, -1);
  return folders.some((f) => f.startsWith(".") || f === "node_modules");
}

/**
 * One `git cat-file --batch` for all blobs, instead of a process per file.
 * Output per object: `<oid> <type> <size>\n<size bytes>\n`.
 */
async function readBlobs(repoDir: string, oids: readonly string[]): Promise<Buffer[]> {
  const result = await execa("git", ["cat-file", "--batch"], {
    cwd: repoDir,
    env: gitEnv(),
    extendEnv: false,
    input: oids.join("\n") + "\n",
    encoding: "buffer",
    reject: false,
  });
  if (result.exitCode !== 0) {
    throw new GitSourceError(`git cat-file failed in ${repoDir}: ${Buffer.from(result.stderr).toString("utf8").trim()}`);
  }
  const out = Buffer.from(result.stdout);
  const texts: Buffer[] = [];
  let at = 0;
  for (const oid of oids) {
    const eol = out.indexOf(0x0a, at);
    const header = out.subarray(at, eol).toString("utf8");
    const [gotOid, type, size] = header.split(" ");
    if (gotOid !== oid || type !== "blob" || size === undefined) {
      throw new GitSourceError(`git cat-file returned '${header}' for blob ${oid}`);
    }
    const start = eol + 1;
    const end = start + Number(size);
    texts.push(out.subarray(start, end));
    at = end + 1;
  }
  return texts;
}
