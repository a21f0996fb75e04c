import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DesiredSetCache } from "../../src/reconcile/desired-cache.js";
import { reconcileSource } from "../../src/reconcile/source-pass.js";
import { statusFilePath } from "../../src/reconcile/status-files.js";
import { agent, docs, secret, workspace } from "./support/manifests.js";
import { testProject, type TestProject } from "./support/project.js";

let p: TestProject;
afterEach(() => p?.cleanup());

const pass = async (name = "default", opts: { dryRun?: boolean; cache?: DesiredSetCache } = {}) =>
  (await reconcileSource({ home: p.home, store: p.store, ...(opts.cache ? { cache: opts.cache } : {}) }, p.source(name), { dryRun: !!opts.dryRun })).result;

const get = (kind: string, name: string) => p.store.getResource({ project: "default", kind, name });
const events = (type: string) => p.store.listEvents({ type });
const ready = (name = "default") => p.source(name).status.conditions.find((c) => c.type === "Ready");

describe("reconcileSource (directory)", () => {
  it("applies the directory, records source, file and line, and the inventory", async () => {
    p = testProject();
    p.write("manifests/a.yaml", docs(workspace("w"), agent("a")));
    p.addDirSource("default", "manifests");
    const r = await pass();
    expect(r).toMatchObject({ ready: true, reason: "ReconciliationSucceeded", upToDate: false, counts: { created: 2 } });
    expect(r.changes.map((c) => `${c.kind}/${c.name} ${c.verb}`)).toEqual(["Agent/a created", "Workspace/w created"]);
    expect(get("Agent", "a")!.origin).toEqual({ appliedBy: "source:default", file: "a.yaml", line: 10 });
    expect(p.sources.getInventory("default").map((i) => `${i.kind}/${i.name}`).sort()).toEqual(["Agent/a", "Workspace/w"]);
    expect(ready()).toMatchObject({ status: "True", reason: "ReconciliationSucceeded" });
    expect(p.source("default").status.lastAppliedRevision).toBe(r.revision);
    expect(r.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("skips an unchanged directory without parsing, and passes again when the store changes", async () => {
    p = testProject();
    p.write("manifests/a.yaml", agent("a"));
    p.addDirSource("default", "manifests");
    await pass();
    const cache = new DesiredSetCache();
    const again = await pass("default", { cache });
    expect(again).toMatchObject({ ready: true, upToDate: true, counts: { unchanged: 1 } });
    // Nothing was parsed: the cache never saw a file.
    expect(cache.size).toBe(0);
    // Another writer changes the store: the pass must look again (and put it back).
    p.store.commit([{ op: "delete", key: { project: "default", kind: "Agent", name: "a" } }], "cli");
    const third = await pass("default", { cache });
    expect(third).toMatchObject({ upToDate: false, counts: { created: 1, drifted: 1 } });
    expect(cache.size).toBe(1);
  });

  it("puts back a resource changed or deleted out of band, with a drift_corrected event", async () => {
    p = testProject();
    p.write("manifests/a.yaml", docs(agent("a"), agent("b")));
    p.addDirSource("default", "manifests");
    await pass();
    const changed = { ...get("Agent", "a")!, spec: { capabilities: ["x"], command: "echo hacked" } };
    p.store.commit([{ op: "update", resource: { ...changed, hash: "other", origin: { appliedBy: "cli" } }, specChanged: true }], "cli");
    p.store.commit([{ op: "delete", key: { project: "default", kind: "Agent", name: "b" } }], "cli");

    const dry = await pass("default", { dryRun: true });
    expect(dry.changes).toEqual([
      { verb: "configured", project: "default", kind: "Agent", name: "a", drift: true, adoptedFrom: null },
      { verb: "created", project: "default", kind: "Agent", name: "b", drift: true, adoptedFrom: null },
    ]);
    expect(get("Agent", "a")!.spec["command"]).toBe("echo hacked");

    const r = await pass();
    expect(r.counts).toMatchObject({ configured: 1, created: 1, drifted: 2 });
    expect(get("Agent", "a")!.spec["command"]).toBe("echo hi");
    expect(get("Agent", "a")!.origin.appliedBy).toBe("source:default");
    expect(get("Agent", "b")).toBeDefined();
    expect(events("drift_corrected").map((e) => `${e.name}:${(e.data as { was: string }).was}`).sort()).toEqual(["a:modified", "b:deleted"]);
  });

  it("prunes only what the same source applied and no longer contains", async () => {
    p = testProject();
    p.write("manifests/a.yaml", docs(agent("a"), agent("gone")));
    p.write("other/b.yaml", agent("theirs"));
    p.addDirSource("default", "manifests");
    p.addDirSource("other", "other");
    await pass("default");
    await pass("other");
    // A resource applied by hand, of a kind the source applies.
    p.store.commit([{ op: "create", resource: { apiVersion: "orchestrator.dev/v2", kind: "Agent", metadata: { name: "byhand", project: "default" }, spec: {}, hash: "h", origin: { appliedBy: "cli" } } }], "cli");

    p.write("manifests/a.yaml", agent("a"));
    const r = await pass("default");
    expect(r.changes).toEqual([{ verb: "pruned", project: "default", kind: "Agent", name: "gone", drift: false, adoptedFrom: null }]);
    expect(get("Agent", "gone")).toBeUndefined();
    expect(get("Agent", "theirs")).toBeDefined();
    expect(get("Agent", "byhand")).toBeDefined();
    expect(events("resource_pruned").map((e) => e.name)).toEqual(["gone"]);
  });

  it("never prunes a resource of its inventory that another applier took over", async () => {
    p = testProject();
    p.write("manifests/a.yaml", docs(agent("a"), agent("b")));
    p.addDirSource("default", "manifests");
    await pass();
    const b = get("Agent", "b")!;
    p.store.commit([{ op: "update", resource: { ...b, spec: { ...b.spec, command: "echo mine" }, hash: "x", origin: { appliedBy: "cli" } }, specChanged: true }], "cli");
    p.write("manifests/a.yaml", agent("a"));
    const r = await pass();
    expect(r.counts.pruned).toBe(0);
    expect(get("Agent", "b")!.origin.appliedBy).toBe("cli");
    expect(p.sources.getInventory("default").map((i) => i.name)).toEqual(["a"]);
  });

  it("with prune off, keeps what the source no longer contains", async () => {
    p = testProject();
    p.write("manifests/a.yaml", docs(agent("a"), agent("b")));
    p.addDirSource("default", "manifests", { prune: false });
    await pass();
    p.write("manifests/a.yaml", agent("a"));
    expect((await pass()).counts.pruned).toBe(0);
    expect(get("Agent", "b")).toBeDefined();
  });

  it("applies nothing of a revision with errors and keeps the last good one in effect", async () => {
    p = testProject();
    p.write("manifests/a.yaml", agent("a", "echo good"));
    p.addDirSource("default", "manifests");
    const good = await pass();
    p.write("manifests/a.yaml", docs(agent("a", "echo new"), "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: b\nspec:\n  capabilities: oops\n"));
    const bad = await pass();
    expect(bad).toMatchObject({ ready: false, reason: "ValidationFailed" });
    expect(bad.message).toContain(`stays in effect`);
    expect(bad.diagnostics.some((d) => d.severity === "error" && d.position?.file === "a.yaml" && d.position.line === 14)).toBe(true);
    expect(get("Agent", "a")!.spec["command"]).toBe("echo good");
    expect(get("Agent", "b")).toBeUndefined();
    const st = p.source("default").status;
    expect(st.lastAppliedRevision).toBe(good.revision);
    expect(st.lastAttemptedRevision).toBe(bad.revision);
    expect(st.errors.join("\n")).toContain("spec.capabilities");
    expect(st.conditions.map((c) => `${c.type}=${c.status}:${c.reason}`)).toEqual(["Ready=False:ValidationFailed", "Stalled=True:ValidationFailed"]);
    expect(events("reconcile_failed")).toHaveLength(1);
    // The same broken revision again: the same answer, no second event, nothing parsed.
    const cache = new DesiredSetCache();
    expect(await pass("default", { cache })).toMatchObject({ ready: false, reason: "ValidationFailed", upToDate: true });
    expect(cache.size).toBe(0);
    expect(events("reconcile_failed")).toHaveLength(1);
    // The fix is applied.
    p.write("manifests/a.yaml", agent("a", "echo fixed"));
    expect(await pass()).toMatchObject({ ready: true });
    expect(get("Agent", "a")!.spec["command"]).toBe("echo fixed");
    expect(p.source("default").status.conditions.map((c) => c.type)).toEqual(["Ready"]);
  });

  it("reports a missing directory as not ready and applies and prunes nothing", async () => {
    p = testProject();
    p.write("manifests/a.yaml", agent("a"));
    p.addDirSource("default", "manifests");
    await pass();
    p.remove("manifests/a.yaml");
    const { rmSync } = await import("node:fs");
    rmSync(join(p.root, "manifests"), { recursive: true });
    const r = await pass();
    expect(r).toMatchObject({ ready: false, reason: "PathNotFound" });
    expect(get("Agent", "a")).toBeDefined();
  });

  it("records a new revision as source_fetched once", async () => {
    p = testProject();
    p.write("manifests/a.yaml", agent("a"));
    p.addDirSource("default", "manifests");
    await pass();
    await pass();
    p.write("manifests/a.yaml", agent("a", "echo 2"));
    await pass();
    expect(events("source_fetched")).toHaveLength(2);
  });

  it("writes a status file per changed resource, removes it when pruned, and never writes into the source", async () => {
    p = testProject();
    p.write("manifests/a.yaml", docs(agent("a"), agent("b"), secret("keys", "s3cr3t-value")));
    p.addDirSource("default", "manifests");
    await pass();
    const file = statusFilePath(p.home, { project: "default", kind: "Agent", name: "a" });
    expect(file).toBe(join(p.home.dir, "status/default/agent/a.yaml"));
    const status = parse(readFileSync(file, "utf8"));
    expect(status).toMatchObject({
      kind: "Agent",
      metadata: { name: "a", project: "default" },
      status: { generation: 1, observedGeneration: 1, conditions: [{ type: "Ready", status: "True" }], origin: { appliedBy: "source:default", source: "default", file: "a.yaml" } },
    });
    const secretStatus = readFileSync(statusFilePath(p.home, { project: "default", kind: "SecretStore", name: "keys" }), "utf8");
    expect(secretStatus).not.toContain("s3cr3t-value");
    p.write("manifests/a.yaml", agent("a"));
    await pass();
    expect(existsSync(statusFilePath(p.home, { project: "default", kind: "Agent", name: "b" }))).toBe(false);
    expect(existsSync(join(p.root, "manifests/status"))).toBe(false);
  });

  it("a dry run writes nothing: no resources, no status, no events", async () => {
    p = testProject();
    p.write("manifests/a.yaml", agent("a"));
    p.addDirSource("default", "manifests");
    const before = p.store.listEvents();
    const r = await pass("default", { dryRun: true });
    expect(r.changes).toHaveLength(1);
    expect(get("Agent", "a")).toBeUndefined();
    expect(p.source("default").status.conditions).toEqual([]);
    expect(p.store.listEvents()).toEqual(before);
  });
});
