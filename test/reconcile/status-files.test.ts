import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { reconcileSource } from "../../src/reconcile/source-pass.js";
import { statusDir, statusDocument, statusFilePath, statusPending } from "../../src/reconcile/status-files.js";
import { agent, docs, task, workflow, workspace } from "./support/manifests.js";
import { testProject, type TestProject } from "./support/project.js";

let p: TestProject;
afterEach(() => p?.cleanup());

const pass = async () => (await reconcileSource({ home: p.home, store: p.store }, p.source("default"))).result;
const key = (kind: string, name: string) => ({ project: "default", kind, name });
const fileOf = (kind: string, name: string) => statusFilePath(p.home, key(kind, name));
/** The id of a process that has exited. */
const deadPid = (): number => spawnSync("true").pid!;

describe("status files", () => {
  it("catch up with the store after a pass that died between its commit and its status files", async () => {
    p = testProject();
    p.write("manifests/a.yaml", docs(workspace("w"), agent("a"), agent("b")));
    p.addDirSource("default", "manifests");
    await pass();
    expect(existsSync(fileOf("Agent", "b"))).toBe(true);

    // What a killed pass leaves: its mark, a file of a resource it pruned, a missing file of one it created.
    writeFileSync(join(statusDir(p.home), ".pending", `${encodeURIComponent("source:default")}.${deadPid()}`), "");
    const stale = fileOf("Agent", "gone");
    mkdirSync(dirname(stale), { recursive: true });
    writeFileSync(stale, "stale\n");
    writeFileSync(fileOf("Agent", "a"), "half-writ");
    rmSync(fileOf("Agent", "b"));

    // The next pass finds nothing to apply, yet repairs the files.
    const r = await pass();
    expect(r.upToDate).toBe(true);
    expect(statusPending(p.home, "source:default")).toBe(false);
    expect(readdirSync(join(statusDir(p.home), ".pending"))).toEqual([]);
    expect(existsSync(stale)).toBe(false);
    expect(parse(readFileSync(fileOf("Agent", "b"), "utf8"))).toMatchObject({ kind: "Agent", metadata: { name: "b" }, status: { generation: 1 } });
    expect(parse(readFileSync(fileOf("Agent", "a"), "utf8"))).toMatchObject({ kind: "Agent", metadata: { name: "a", project: "default" } });
  });

  it("leave no mark behind after a pass that completes", async () => {
    p = testProject();
    p.write("manifests/a.yaml", agent("a"));
    p.addDirSource("default", "manifests");
    await pass();
    expect(readdirSync(join(statusDir(p.home), ".pending"))).toEqual([]);
  });

  it("are not rewritten behind a pass of the same applier that is still running in another process", async () => {
    p = testProject();
    p.write("manifests/a.yaml", agent("a"));
    p.addDirSource("default", "manifests");
    await pass();
    // Another live process (this one's parent) is between its commit and its status files.
    const busy = join(statusDir(p.home), ".pending", `${encodeURIComponent("source:default")}.${process.ppid}`);
    writeFileSync(busy, "");
    const inFlight = `${fileOf("Agent", "a")}.${process.ppid}.tmp`;
    writeFileSync(inFlight, "being written");
    expect(statusPending(p.home, "source:default")).toBe(false);
    p.write("manifests/a.yaml", docs(agent("a"), agent("b")));
    await pass();
    expect(existsSync(inFlight)).toBe(true);
    expect(existsSync(busy)).toBe(true);
  });
});

describe("the status file of a released resource", () => {
  it("names `cli` as its applier once the source hands it back", async () => {
    p = testProject();
    p.store.commit([{ op: "create", resource: { apiVersion: "orchestrator.dev/v2", kind: "Agent", metadata: { name: "hand", project: "default" }, spec: { capabilities: ["x"], command: "echo hi" }, hash: "h", origin: { appliedBy: "cli" } } }], "cli");
    p.write("manifests/a.yaml", docs(agent("a"), agent("hand")));
    p.addDirSource("default", "manifests");
    await pass();
    expect(parse(readFileSync(fileOf("Agent", "hand"), "utf8")).status.origin).toMatchObject({ appliedBy: "source:default" });
    p.write("manifests/a.yaml", agent("a"));
    await pass();
    expect(parse(readFileSync(fileOf("Agent", "hand"), "utf8")).status.origin).toEqual({ appliedBy: "cli" });
  });
});

describe("statusDocument of a Task", () => {
  const now = "2026-01-01T00:00:00.000Z";
  const base = { key: key("Task", "t"), origin: { appliedBy: "cli" } };

  it("is Pending while the engine has not run the current generation, whatever it reported for an older one", () => {
    const doc = statusDocument({ ...base, generation: 2, stored: { phase: "Completed", observedGeneration: 1 } }, now);
    expect(doc["status"]).toMatchObject({
      generation: 2,
      phase: "Pending",
      observedGeneration: 1,
      conditions: [{ type: "Ready", status: "Unknown", reason: "Pending" }],
    });
  });

  it("is the engine's status once it ran the current generation", () => {
    const stored = { phase: "Completed", observedGeneration: 2, conditions: [{ type: "Ready", status: "True", reason: "Succeeded" }] };
    expect(statusDocument({ ...base, generation: 2, stored }, now)["status"]).toMatchObject({ generation: 2, ...stored });
  });
});

describe("statusDocument of a Trigger", () => {
  it("keeps the scheduler's fields next to what the pass computes", () => {
    const stored = { observedGeneration: 1, lastScheduleTime: "2026-01-01T02:00:00.000Z", active: ["t-1"], conditions: [] };
    const doc = statusDocument({ key: key("Trigger", "nightly"), origin: { appliedBy: "source:default" }, generation: 2, stored }, "2026-01-02T00:00:00.000Z");
    expect(doc["status"]).toMatchObject({
      generation: 2,
      observedGeneration: 2,
      lastScheduleTime: "2026-01-01T02:00:00.000Z",
      active: ["t-1"],
      conditions: [{ type: "Ready", status: "True" }],
      origin: { appliedBy: "source:default", source: "default" },
    });
  });
});

describe("which resources applied by hand keep a status file", () => {
  const applyByHand = async (text: string) => {
    const { runPipeline } = await import("../../src/reconcile/pipeline.js");
    return runPipeline({ store: p.store, home: p.home, files: [{ file: "hand.yaml", text }], appliedBy: "cli", prune: "none", dryRun: false });
  };

  it("none for a plain resource; one for a Task, and for a resource a source applied before", async () => {
    p = testProject();
    p.write("manifests/a.yaml", agent("from-source"));
    p.addDirSource("default", "manifests");
    await pass();
    expect((await applyByHand(docs(agent("by-hand"), agent("from-source", "echo changed by hand"), workspace("ws"), workflow("wf"), task("t1")))).ok).toBe(true);
    expect(existsSync(fileOf("Agent", "by-hand"))).toBe(false);
    expect(existsSync(fileOf("Workspace", "ws"))).toBe(false);
    expect(parse(readFileSync(fileOf("Task", "t1"), "utf8")).status).toMatchObject({ phase: "Pending", origin: { appliedBy: "cli" } });
    // The source's file follows the change by hand (drift), so it never goes stale.
    expect(parse(readFileSync(fileOf("Agent", "from-source"), "utf8")).status.origin).toEqual({ appliedBy: "cli", file: "hand.yaml", line: 1 + agent("by-hand").split("\n").length });
  });
});
