import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  checkedOutCommit,
  checkoutCommit,
  fetchGitSource,
  GitFetchError,
  GitPathError,
  GitRefError,
  GitSourceError,
} from "../../../src/reconcile/git/index.js";
import { git, isolateGit, makeUpstream, type Upstream } from "./git-fixture.js";

let root: string;
let restore: () => void;
let up: Upstream;
let cloneDir: string;

beforeEach(() => {
  ({ root, restore } = isolateGit());
  up = makeUpstream(root);
  cloneDir = join(root, "sources", "main");
});
afterEach(() => restore());

function isDetached(dir: string): boolean {
  try {
    git(dir, "symbolic-ref", "-q", "HEAD");
    return false;
  } catch {
    return true;
  }
}

/** Fetch, then check the commit out, as a pass that applies it does. */
async function follow(opts: Parameters<typeof fetchGitSource>[0]) {
  const rev = await fetchGitSource(opts);
  await checkoutCommit(opts.cloneDir, rev.commit);
  return rev;
}

describe("fetchGitSource", () => {
  it("clones on first use, resolves the default branch's commit, and checks out nothing", async () => {
    up.write("manifests/agent.yaml", "kind: Agent\n");
    const sha = up.commit("first");
    up.push();

    const rev = await fetchGitSource({ url: up.bare, cloneDir, path: "manifests" });

    expect(rev).toEqual({ commit: sha, ref: "refs/heads/main", path: "manifests", cloneDir });
    // Nothing applied yet: no branch, no HEAD commit, an empty working tree.
    expect(await checkedOutCommit(cloneDir)).toBeUndefined();
    expect(git(cloneDir, "for-each-ref", "refs/heads/")).toBe("");
    expect(existsSync(join(cloneDir, "manifests"))).toBe(false);
    // No half-made clone directories are left next to the clone.
    expect(readdirSync(join(root, "sources"))).toEqual(["main"]);

    await checkoutCommit(cloneDir, rev.commit);
    expect(git(cloneDir, "rev-parse", "HEAD")).toBe(sha);
    expect(isDetached(cloneDir)).toBe(true);
    expect(readFileSync(join(cloneDir, "manifests/agent.yaml"), "utf8")).toBe("kind: Agent\n");
  });

  it("never moves the checkout when it fetches: only checkoutCommit does", async () => {
    up.write("a.yaml", "v: 1\n");
    const first = up.commit("one");
    up.push();
    await follow({ url: up.bare, cloneDir });
    up.write("a.yaml", "v: 2\n");
    const second = up.commit("two");
    up.push();

    expect((await fetchGitSource({ url: up.bare, cloneDir })).commit).toBe(second);
    expect(git(cloneDir, "rev-parse", "HEAD")).toBe(first);
    expect(readFileSync(join(cloneDir, "a.yaml"), "utf8")).toBe("v: 1\n");
    await checkoutCommit(cloneDir, second);
    expect(await checkedOutCommit(cloneDir)).toBe(second);
    expect(readFileSync(join(cloneDir, "a.yaml"), "utf8")).toBe("v: 2\n");
  });

  it("follows the remote's default branch when it is not main", async () => {
    up.write("a.yaml", "a: 1\n");
    up.commit("on main");
    up.push();
    git(up.work, "checkout", "--quiet", "-b", "trunk");
    up.write("a.yaml", "a: 2\n");
    const trunk = up.commit("on trunk");
    up.push("origin", "trunk");
    git(up.bare, "symbolic-ref", "HEAD", "refs/heads/trunk");

    const rev = await fetchGitSource({ url: up.bare, cloneDir });
    expect(rev.commit).toBe(trunk);
    expect(rev.ref).toBe("refs/heads/trunk");
  });

  it("fetches new commits on later calls", async () => {
    up.write("a.yaml", "v: 1\n");
    up.commit("one");
    up.push();
    await follow({ url: up.bare, cloneDir });

    up.write("a.yaml", "v: 2\n");
    const second = up.commit("two");
    up.push();
    const rev = await follow({ url: up.bare, cloneDir });

    expect(rev.commit).toBe(second);
    expect(readFileSync(join(cloneDir, "a.yaml"), "utf8")).toBe("v: 2\n");
    expect(isDetached(cloneDir)).toBe(true);
  });

  it("follows a force-pushed branch", async () => {
    up.write("a.yaml", "v: 1\n");
    up.commit("one");
    up.write("a.yaml", "v: 2\n");
    const discarded = up.commit("two");
    up.push();
    expect((await fetchGitSource({ url: up.bare, cloneDir, ref: "main" })).commit).toBe(discarded);

    git(up.work, "reset", "--quiet", "--hard", "HEAD~1");
    up.write("a.yaml", "v: rewritten\n");
    const rewritten = up.commit("rewritten");
    up.push("--force", "origin", "main");

    const rev = await follow({ url: up.bare, cloneDir, ref: "main" });
    expect(rev.commit).toBe(rewritten);
    expect(readFileSync(join(cloneDir, "a.yaml"), "utf8")).toBe("v: rewritten\n");
    expect(git(cloneDir, "rev-parse", "refs/remotes/origin/main")).toBe(rewritten);
  });

  it("resolves branches, lightweight and annotated tags, full and short shas", async () => {
    up.write("a.yaml", "v: 1\n");
    const first = up.commit("one");
    git(up.work, "tag", "v1");
    git(up.work, "tag", "-a", "-m", "release", "v1-annotated");
    up.write("a.yaml", "v: 2\n");
    const second = up.commit("two");
    git(up.work, "checkout", "--quiet", "-b", "feature");
    up.write("a.yaml", "v: feature\n");
    const feature = up.commit("feature");
    up.push("origin", "main", "feature", "--tags");

    const at = async (ref: string) => (await follow({ url: up.bare, cloneDir, ref })).commit;
    expect(await at("feature")).toBe(feature);
    expect(await at("refs/heads/main")).toBe(second);
    expect(await at("v1")).toBe(first);
    expect(await at("v1-annotated")).toBe(first);
    expect(await at("refs/tags/v1")).toBe(first);
    expect(await at(first)).toBe(first);
    expect(await at(second.slice(0, 8))).toBe(second);
    expect(readFileSync(join(cloneDir, "a.yaml"), "utf8")).toBe("v: 2\n");
    expect((await fetchGitSource({ url: up.bare, cloneDir, ref: "v1" })).ref).toBe("refs/tags/v1");
  });

  it("follows a tag that was moved with a force-push", async () => {
    up.write("a.yaml", "v: 1\n");
    up.commit("one");
    git(up.work, "tag", "release");
    up.push("origin", "main", "--tags");
    await fetchGitSource({ url: up.bare, cloneDir, ref: "release" });

    up.write("a.yaml", "v: 2\n");
    const second = up.commit("two");
    git(up.work, "tag", "--force", "release");
    up.push("--force", "origin", "main", "--tags");

    expect((await fetchGitSource({ url: up.bare, cloneDir, ref: "release" })).commit).toBe(second);
  });

  it("discards local edits and stray files in the clone", async () => {
    up.write("a.yaml", "v: 1\n");
    const sha = up.commit("one");
    up.push();
    await follow({ url: up.bare, cloneDir });
    writeFileSync(join(cloneDir, "a.yaml"), "v: tampered\n");
    writeFileSync(join(cloneDir, "stray.yaml"), "kind: Agent\n");
    up.write("a.yaml", "v: 2\n");
    up.commit("two");
    up.push();
    // Checking out another commit discards them.
    await follow({ url: up.bare, cloneDir });
    await checkoutCommit(cloneDir, sha);
    expect(git(cloneDir, "rev-parse", "HEAD")).toBe(sha);
    expect(readFileSync(join(cloneDir, "a.yaml"), "utf8")).toBe("v: 1\n");
    expect(existsSync(join(cloneDir, "stray.yaml"))).toBe(false);
  });

  it("throws GitRefError for a ref the remote does not have", async () => {
    up.write("a.yaml", "v: 1\n");
    up.commit("one");
    up.push();
    const attempt = fetchGitSource({ url: up.bare, cloneDir, ref: "no-such-branch" });
    await expect(attempt).rejects.toBeInstanceOf(GitRefError);
    await expect(attempt).rejects.toThrow(/no-such-branch/);
    await expect(fetchGitSource({ url: up.bare, cloneDir, ref: "--upload-pack=touch /tmp/x" })).rejects.toBeInstanceOf(
      GitRefError,
    );
    await expect(fetchGitSource({ url: up.bare, cloneDir, ref: "0".repeat(40) })).rejects.toBeInstanceOf(GitRefError);
  });

  it("throws GitRefError for an empty remote with no ref", async () => {
    await expect(fetchGitSource({ url: up.bare, cloneDir })).rejects.toBeInstanceOf(GitRefError);
  });

  it("throws GitFetchError naming the URL for an unreachable remote, leaving nothing behind", async () => {
    const missing = join(root, "does-not-exist.git");
    const attempt = fetchGitSource({ url: missing, cloneDir });
    await expect(attempt).rejects.toBeInstanceOf(GitFetchError);
    await expect(attempt).rejects.toThrow(missing);
    expect(existsSync(join(root, "sources")) ? readdirSync(join(root, "sources")) : []).toEqual([]);
  });

  it("keeps the last good checkout when the remote becomes unreachable", async () => {
    up.write("a.yaml", "v: 1\n");
    const sha = up.commit("one");
    up.push();
    await follow({ url: up.bare, cloneDir });

    const gone = join(root, "gone.git");
    await expect(fetchGitSource({ url: gone, cloneDir })).rejects.toBeInstanceOf(GitFetchError);
    expect(git(cloneDir, "rev-parse", "HEAD")).toBe(sha);
    expect(readFileSync(join(cloneDir, "a.yaml"), "utf8")).toBe("v: 1\n");
  });

  it("never shows credentials embedded in the URL", async () => {
    const url = "http://deploy-user:s3cr3t-t0ken@127.0.0.1:9/org/repo.git";
    const err = await fetchGitSource({ url, cloneDir, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitFetchError);
    const e = err as GitFetchError;
    expect(e.message).toContain("http://***@127.0.0.1:9/org/repo.git");
    expect(e.gitMessage).toMatch(/^fatal: /);
    for (const text of [e.message, e.gitMessage, e.url ?? "", String(e.stack)]) {
      expect(text).not.toContain("s3cr3t-t0ken");
      expect(text).not.toContain("deploy-user");
    }
  });

  it("follows a changed URL for an existing clone", async () => {
    up.write("a.yaml", "v: 1\n");
    up.commit("one");
    up.push();
    await fetchGitSource({ url: up.bare, cloneDir });

    const other = makeUpstream(root, "other");
    other.write("a.yaml", "v: other\n");
    const otherSha = other.commit("other");
    other.push();
    const rev = await fetchGitSource({ url: other.bare, cloneDir });
    expect(rev.commit).toBe(otherSha);
    expect(git(cloneDir, "remote", "get-url", "origin")).toBe(other.bare);
  });

  it("rejects a path outside the repository or missing at the commit", async () => {
    up.write("manifests/a.yaml", "v: 1\n");
    up.commit("one");
    up.push();
    await expect(fetchGitSource({ url: up.bare, cloneDir, path: "../etc" })).rejects.toBeInstanceOf(GitPathError);
    await expect(fetchGitSource({ url: up.bare, cloneDir, path: "/etc" })).rejects.toBeInstanceOf(GitPathError);
    await expect(fetchGitSource({ url: up.bare, cloneDir, path: "nope" })).rejects.toBeInstanceOf(GitPathError);
    const rev = await fetchGitSource({ url: up.bare, cloneDir, path: "./manifests/" });
    expect(rev.path).toBe("manifests");
  });

  it("refuses a clone directory that holds something else, and touches nothing in it", async () => {
    up.write("a.yaml", "v: 1\n");
    up.commit("one");
    up.push();
    const occupied = join(root, "occupied");
    mkdirSync(occupied);
    writeFileSync(join(occupied, "notes.txt"), "mine");
    await expect(fetchGitSource({ url: up.bare, cloneDir: occupied })).rejects.toBeInstanceOf(GitSourceError);
    expect(readdirSync(occupied)).toEqual(["notes.txt"]);

    writeFileSync(join(root, "file-not-dir"), "x");
    await expect(fetchGitSource({ url: up.bare, cloneDir: join(root, "file-not-dir") })).rejects.toBeInstanceOf(
      GitSourceError,
    );
  });

  it("clones into an existing empty directory", async () => {
    up.write("a.yaml", "v: 1\n");
    const sha = up.commit("one");
    up.push();
    mkdirSync(cloneDir, { recursive: true });
    expect((await fetchGitSource({ url: up.bare, cloneDir })).commit).toBe(sha);
  });

  it("ignores an inherited GIT_DIR that points at another repository", async () => {
    up.write("a.yaml", "v: 1\n");
    const sha = up.commit("one");
    up.push();
    const workHead = git(up.work, "symbolic-ref", "HEAD");
    process.env.GIT_DIR = join(up.work, ".git");
    try {
      const rev = await follow({ url: up.bare, cloneDir });
      expect(rev.commit).toBe(sha);
    } finally {
      delete process.env.GIT_DIR;
    }
    expect(git(up.work, "symbolic-ref", "HEAD")).toBe(workHead);
    expect(isDetached(cloneDir)).toBe(true);
  });
});
