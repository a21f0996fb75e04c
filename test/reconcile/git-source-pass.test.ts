import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reconcileSource } from "../../src/reconcile/source-pass.js";
import { cloneDirOf } from "../../src/reconcile/sources/spec.js";
import type { SourceSpec } from "../../src/store/source-store.js";
import { git, isolateGit, makeUpstream, type Upstream } from "./git/git-fixture.js";
import { agent, docs } from "./support/manifests.js";
import { testProject, type TestProject } from "./support/project.js";

let p: TestProject;
let up: Upstream;
let root: string;
let restore: () => void;

beforeEach(() => {
  ({ root, restore } = isolateGit());
  up = makeUpstream(root);
  p = testProject();
});
afterEach(() => {
  p.cleanup();
  restore();
});

const addGit = (extra: Partial<SourceSpec> = {}) =>
  p.sources.addSource({ name: "repo", type: "git", url: up.bare, ref: "main", path: "manifests", intervalMs: 60_000, project: "default", prune: true, ...extra });
const pass = async (retries = 0) => (await reconcileSource({ home: p.home, store: p.store, fetch: { retries } }, p.source("repo"))).result;
const get = (name: string) => p.store.getResource({ project: "default", kind: "Agent", name });

describe("reconcileSource (git)", () => {
  it("applies the checked-out commit and records source, commit and file:line on each resource", async () => {
    up.write("manifests/agents.yaml", docs(agent("a"), agent("b")));
    up.write("README.md", "not a manifest\n");
    const sha = up.commit("first");
    up.push();
    addGit();
    const r = await pass();
    expect(r).toMatchObject({ ready: true, revision: sha, counts: { created: 2 } });
    expect(r.message).toBe(`Applied revision: main@${sha.slice(0, 12)}`);
    expect(get("b")!.origin).toEqual({ appliedBy: "source:repo", commit: sha, file: "manifests/agents.yaml", line: 9 });
    const clone = cloneDirOf(p.home, "repo");
    expect(clone).toBe(join(p.home.dir, "sources/repo"));
    expect(git(clone, "rev-parse", "HEAD")).toBe(sha);
    expect(await pass()).toMatchObject({ ready: true, upToDate: true });
  });

  it("follows new commits and a force-pushed branch, pruning what the new history dropped", async () => {
    up.write("manifests/agents.yaml", agent("a"));
    up.commit("a");
    up.push();
    addGit();
    await pass();
    up.write("manifests/agents.yaml", docs(agent("a"), agent("b")));
    const withB = up.commit("b");
    up.push();
    expect(await pass()).toMatchObject({ revision: withB, counts: { created: 1 } });

    // Rewrite history: drop b, change a, force-push.
    git(up.work, "reset", "--quiet", "--hard", "HEAD~1");
    up.write("manifests/agents.yaml", agent("a", "echo rewritten"));
    const rewritten = up.commit("rewrite");
    up.push("--force", "origin", "main");
    const r = await pass();
    expect(r).toMatchObject({ ready: true, revision: rewritten, counts: { configured: 1, pruned: 1 } });
    expect(get("a")!.spec["command"]).toBe("echo rewritten");
    expect(get("a")!.origin.commit).toBe(rewritten);
    expect(get("b")).toBeUndefined();
  });

  it("keeps the last applied state when the remote is unreachable, with Ready=False FetchFailed", async () => {
    up.write("manifests/agents.yaml", agent("a"));
    const sha = up.commit("a");
    up.push();
    addGit();
    await pass();
    renameSync(up.bare, `${up.bare}.gone`);
    const r = await pass(1);
    expect(r).toMatchObject({ ready: false, reason: "FetchFailed", revision: null });
    expect(r.message).toContain(`revision ${sha.slice(0, 12)} stays in effect`);
    expect(get("a")).toBeDefined();
    const st = p.source("repo").status;
    expect(st.lastAppliedRevision).toBe(sha);
    expect(st.failures).toBe(1);
    expect(st.conditions.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "FetchFailed" });
    expect(st.conditions.find((c) => c.type === "Stalled")).toBeUndefined();
    // Back again: the next pass recovers.
    renameSync(`${up.bare}.gone`, up.bare);
    expect(await pass()).toMatchObject({ ready: true });
    expect(p.source("repo").status.failures).toBe(0);
  });

  it("does not apply a commit whose manifests fail validation, naming the commit and the errors", async () => {
    up.write("manifests/agents.yaml", agent("a", "echo good"));
    const good = up.commit("good");
    up.push();
    addGit();
    await pass();
    up.write("manifests/agents.yaml", docs(agent("a", "echo new"), "apiVersion: orchestrator.dev/v2\nkind: Agnet\nmetadata:\n  name: b\nspec: {}\n"));
    const bad = up.commit("bad");
    up.push();
    const r = await pass();
    expect(r).toMatchObject({ ready: false, reason: "ValidationFailed", revision: bad });
    expect(r.message).toContain(`main@${bad.slice(0, 12)}`);
    expect(r.message).toContain(`revision ${good.slice(0, 12)} stays in effect`);
    expect(r.diagnostics.find((d) => d.code === "unknown-kind")?.position).toMatchObject({ file: "manifests/agents.yaml", line: 10 });
    expect(get("a")!.spec["command"]).toBe("echo good");
    expect(get("a")!.origin.commit).toBe(good);
    const st = p.source("repo").status;
    expect(st.lastAppliedRevision).toBe(good);
    expect(st.lastAttemptedRevision).toBe(bad);
    expect(st.errors.join("\n")).toContain("unknown kind 'Agnet'");
    const failed = p.store.listEvents({ type: "reconcile_failed" });
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({ source: "repo", reason: "ValidationFailed", revision: bad });
  });

  it("keeps the clone checked out at the applied commit: a rejected commit and a dry run never move it", async () => {
    up.write("manifests/agents.yaml", agent("a", "echo good"));
    const good = up.commit("good");
    up.push();
    addGit();
    await pass();
    const clone = cloneDirOf(p.home, "repo");
    const head = () => git(clone, "rev-parse", "HEAD");
    expect(head()).toBe(good);

    up.write("manifests/agents.yaml", docs(agent("a", "echo new"), "apiVersion: orchestrator.dev/v2\nkind: Agnet\nmetadata:\n  name: b\nspec: {}\n"));
    up.commit("bad");
    up.push();
    expect(await pass()).toMatchObject({ ready: false, reason: "ValidationFailed" });
    expect(head()).toBe(good);
    expect(readFileSync(join(clone, "manifests/agents.yaml"), "utf8")).toBe(agent("a", "echo good"));

    up.write("manifests/agents.yaml", agent("a", "echo fixed"));
    const fixed = up.commit("fixed");
    up.push();
    const dry = (await reconcileSource({ home: p.home, store: p.store, fetch: { retries: 0 } }, p.source("repo"), { dryRun: true })).result;
    expect(dry).toMatchObject({ ready: true, revision: fixed, counts: { configured: 1 } });
    expect(head()).toBe(good);

    expect(await pass()).toMatchObject({ ready: true, revision: fixed });
    expect(head()).toBe(fixed);
    expect(p.source("repo").status.lastAppliedRevision).toBe(fixed);
    // Moved by hand: the next pass puts the checkout back on the commit in effect.
    git(clone, "checkout", "--quiet", "--detach", good);
    await pass();
    expect(head()).toBe(fixed);
  });

  it("reads the commit from the object database: dot-folders skipped, binary files reported", async () => {
    up.write("manifests/agents.yaml", agent("a"));
    up.write("manifests/.github/workflows/ci.yml", "on: push\n");
    up.commit("a");
    up.push();
    addGit();
    expect(await pass()).toMatchObject({ ready: true, counts: { created: 1 } });
    writeFileSync(join(up.work, "manifests/blob.yaml"), Buffer.from([0x00, 0x01, 0x02]));
    up.commit("binary");
    up.push();
    const r = await pass();
    expect(r).toMatchObject({ ready: false, reason: "ValidationFailed" });
    expect(r.diagnostics.find((d) => d.code === "binary")?.position).toMatchObject({ file: "manifests/blob.yaml" });
  });

  it("reports a ref the remote does not have, and a path the commit does not have", async () => {
    up.write("manifests/agents.yaml", agent("a"));
    up.commit("a");
    up.push();
    addGit({ ref: "no-such-branch" });
    expect(await pass()).toMatchObject({ ready: false, reason: "RefNotFound" });
    p.sources.removeSource("repo");
    addGit({ path: "elsewhere" });
    expect(await pass()).toMatchObject({ ready: false, reason: "PathNotFound" });
    expect(get("a")).toBeUndefined();
  });
});
