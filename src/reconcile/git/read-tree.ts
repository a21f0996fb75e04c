/**
 * @module Reading manifests as they were at a commit, straight from the
 * object database: the working tree, the index and HEAD are never touched
 * (`orchestrator diff --from REF --to REF`).
 */
import { execa } from "execa";
import { gitClient, gitEnv, gitErrorText } from "./client.js";
import { GitRefError, GitSourceError } from "./errors.js";
import { normalizeRepoPath } from "./repo-path.js";
import { revParse } from "./rev-parse.js";

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

/**
 * Every `*.yaml` / `*.yml` blob under `path` at `commit`, sorted by path.
 * `path` may name a directory or a single file; a path the commit does not
 * have yields no files (it may be created by a later commit).
 */
export async function readTreeAtCommit(repoDir: string, commit: string, path = ""): Promise<TreeFile[]> {
  const sha = await resolveCommit(repoDir, commit);
  const subPath = normalizeRepoPath(path);
  const git = gitClient(repoDir);
  const listing = await git.raw(["ls-tree", "-r", "-z", "--full-tree", sha, ...(subPath ? ["--", subPath] : [])]);

  const blobs: Array<{ file: string; oid: string }> = [];
  for (const record of listing.split("\0")) {
    if (record === "") continue;
    const tab = record.indexOf("\t");
    const [mode, type, oid] = record.slice(0, tab).split(" ");
    const file = record.slice(tab + 1);
    if (type !== "blob" || mode === SYMLINK_MODE || !oid || !MANIFEST_FILE.test(file)) continue;
    blobs.push({ file, oid });
  }
  blobs.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  if (blobs.length === 0) return [];

  const contents = await readBlobs(repoDir, blobs.map((b) => b.oid));
  return blobs.map((b, i) => ({ file: b.file, text: contents[i] as string }));
}

/**
 * One `git cat-file --batch` for all blobs, instead of a process per file.
 * Output per object: `<oid> <type> <size>\n<size bytes>\n`.
 */
async function readBlobs(repoDir: string, oids: readonly string[]): Promise<string[]> {
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
  const decoder = new TextDecoder("utf-8");
  const texts: string[] = [];
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
    texts.push(decoder.decode(out.subarray(start, end)));
    at = end + 1;
  }
  return texts;
}
