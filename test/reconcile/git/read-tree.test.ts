import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  GitRefError,
  GitPathError,
  GitSourceError,
  pathExistsAtCommit,
  readTreeAtCommit,
  readTreeBlobs,
  resolveCommit,
} from "../../../src/reconcile/git/index.js";
import { git, isolateGit, makeUpstream, type Upstream } from "./git-fixture.js";

let root: string;
let restore: () => void;
let repo: Upstream;
let first: string;
let second: string;

beforeEach(() => {
  ({ root, restore } = isolateGit());
  repo = makeUpstream(root, "project");
  repo.write("manifests/agent.yaml", "kind: Agent\nmetadata: {name: coder}\n");
  repo.write("manifests/workflows/qa.yml", "kind: Workflow\n");
  repo.write("manifests/README.md", "not a manifest\n");
  repo.write("manifests-old/stale.yaml", "kind: Agent\n");
  repo.write("top.yaml", "kind: Project\n");
  first = repo.commit("first");
  git(repo.work, "tag", "-a", "-m", "v1", "v1");

  repo.write("manifests/agent.yaml", "kind: Agent\nmetadata: {name: coder}\nspec: {changed: true}\n");
  repo.remove("manifests/workflows/qa.yml");
  repo.write("manifests/new file ü.yaml", "name: \"ü\"\n");
  second = repo.commit("second");
});
afterEach(() => restore());

describe("readTreeAtCommit", () => {
  it("skips folders below the path that a directory walk skips (.github, node_modules), as bytes or text", async () => {
    repo.write("manifests/.github/workflows/ci.yml", "on: push\n");
    repo.write("manifests/node_modules/x/a.yaml", "x: 1\n");
    repo.write("manifests/.hidden.yaml", "kind: Agent\n");
    const third = repo.commit("third");
    expect((await readTreeAtCommit(repo.work, third, "manifests")).map((f) => f.file)).toEqual([
      "manifests/.hidden.yaml",
      "manifests/agent.yaml",
      "manifests/new file ü.yaml",
    ]);
    const blobs = await readTreeBlobs(repo.work, third, "manifests");
    expect(blobs[1]!.bytes.toString("utf8")).toBe("kind: Agent\nmetadata: {name: coder}\nspec: {changed: true}\n");
    // A path that is itself a dot-folder is read as asked.
    expect((await readTreeAtCommit(repo.work, third, "manifests/.github")).map((f) => f.file)).toEqual(["manifests/.github/workflows/ci.yml"]);
  });

  it("tells whether a commit has a path", async () => {
    expect(await pathExistsAtCommit(repo.work, first, "manifests/workflows")).toBe(true);
    expect(await pathExistsAtCommit(repo.work, second, "manifests/workflows")).toBe(false);
    expect(await pathExistsAtCommit(repo.work, second, "top.yaml")).toBe(true);
    expect(await pathExistsAtCommit(repo.work, "HEAD", "")).toBe(true);
  });

  it("reads the YAML files under a path as they were at each of two commits", async () => {
    expect(await readTreeAtCommit(repo.work, first, "manifests")).toEqual([
      { file: "manifests/agent.yaml", text: "kind: Agent\nmetadata: {name: coder}\n" },
      { file: "manifests/workflows/qa.yml", text: "kind: Workflow\n" },
    ]);
    expect(await readTreeAtCommit(repo.work, second, "manifests")).toEqual([
      { file: "manifests/agent.yaml", text: "kind: Agent\nmetadata: {name: coder}\nspec: {changed: true}\n" },
      { file: "manifests/new file ü.yaml", text: 'name: "ü"\n' },
    ]);
  });

  it("accepts any revision: tag, HEAD~1, short sha, and reads the whole tree without a path", async () => {
    const files = (await readTreeAtCommit(repo.work, "v1")).map((f) => f.file);
    expect(files).toEqual([
      "manifests-old/stale.yaml",
      "manifests/agent.yaml",
      "manifests/workflows/qa.yml",
      "top.yaml",
    ]);
    expect(await readTreeAtCommit(repo.work, "HEAD~1", "manifests")).toEqual(
      await readTreeAtCommit(repo.work, first.slice(0, 7), "./manifests/"),
    );
  });

  it("never touches the working tree, the index or HEAD", async () => {
    writeFileSync(join(repo.work, "manifests/agent.yaml"), "kind: Agent # uncommitted edit\n");
    git(repo.work, "add", "manifests/agent.yaml");
    writeFileSync(join(repo.work, "manifests/untracked.yaml"), "kind: Agent\n");
    const statusBefore = git(repo.work, "status", "--porcelain");
    const headBefore = git(repo.work, "symbolic-ref", "HEAD");

    const files = await readTreeAtCommit(repo.work, first, "manifests");

    expect(files.find((f) => f.file === "manifests/agent.yaml")?.text).toBe("kind: Agent\nmetadata: {name: coder}\n");
    expect(files.map((f) => f.file)).not.toContain("manifests/untracked.yaml");
    expect(git(repo.work, "status", "--porcelain")).toBe(statusBefore);
    expect(git(repo.work, "symbolic-ref", "HEAD")).toBe(headBefore);
    expect(readFileSync(join(repo.work, "manifests/agent.yaml"), "utf8")).toBe("kind: Agent # uncommitted edit\n");
  });

  it("matches a path by whole components, and takes a single file as the path", async () => {
    const files = (await readTreeAtCommit(repo.work, first, "manifests")).map((f) => f.file);
    expect(files).not.toContain("manifests-old/stale.yaml");
    expect(await readTreeAtCommit(repo.work, first, "top.yaml")).toEqual([{ file: "top.yaml", text: "kind: Project\n" }]);
  });

  it("returns no files for a path the commit does not have", async () => {
    expect(await readTreeAtCommit(repo.work, first, "nowhere")).toEqual([]);
  });

  it("skips symbolic links", async () => {
    symlinkSync("/etc/passwd", join(repo.work, "manifests/link.yaml"));
    const sha = repo.commit("link");
    const files = (await readTreeAtCommit(repo.work, sha, "manifests")).map((f) => f.file);
    expect(files).not.toContain("manifests/link.yaml");
    expect(files).toContain("manifests/agent.yaml");
  });

  it("rejects a path outside the repository", async () => {
    await expect(readTreeAtCommit(repo.work, first, "../x")).rejects.toBeInstanceOf(GitPathError);
  });

  it("throws GitRefError for an unknown revision", async () => {
    await expect(readTreeAtCommit(repo.work, "no-such-ref", "manifests")).rejects.toBeInstanceOf(GitRefError);
  });
});

describe("resolveCommit", () => {
  it("resolves branches, annotated tags (peeled), relative and short revisions to full shas", async () => {
    expect(await resolveCommit(repo.work, "main")).toBe(second);
    expect(await resolveCommit(repo.work, "v1")).toBe(first);
    expect(await resolveCommit(repo.work, "HEAD~1")).toBe(first);
    expect(await resolveCommit(repo.work, second.slice(0, 8))).toBe(second);
  });

  it("throws GitRefError naming an unknown or option-like revision", async () => {
    await expect(resolveCommit(repo.work, "nope")).rejects.toThrow(/unknown revision 'nope'/);
    await expect(resolveCommit(repo.work, "nope")).rejects.toBeInstanceOf(GitRefError);
    await expect(resolveCommit(repo.work, "--all")).rejects.toBeInstanceOf(GitRefError);
    // A tree is not a commit.
    await expect(resolveCommit(repo.work, "HEAD^{tree}")).rejects.toBeInstanceOf(GitRefError);
  });

  it("throws GitSourceError outside a git repository", async () => {
    await expect(resolveCommit(root, "HEAD")).rejects.toBeInstanceOf(GitSourceError);
  });
});
