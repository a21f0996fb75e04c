import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { startSourceReconciler, type SourceReconciler } from "../../src/reconcile/reconciler.js";
import { UnknownSourceError } from "../../src/reconcile/reconcile-sources.js";
import { sourceStoreOf } from "../../src/store/source-store.js";
import { openStore } from "../../src/store/sqlite/open.js";
import { agent } from "./support/manifests.js";
import { testProject, type TestProject } from "./support/project.js";

let p: TestProject;
let r: SourceReconciler | undefined;
afterEach(async () => {
  await r?.stop();
  r = undefined;
  p?.cleanup();
});

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const agentNamed = (name: string) => p.store.getResource({ project: "default", kind: "Agent", name });

describe("startSourceReconciler", () => {
  it("passes over every source at start, then over a directory whenever it changes", async () => {
    p = testProject();
    p.write("manifests/a.yaml", agent("a"));
    p.addDirSource("default", "manifests");
    r = startSourceReconciler({ home: p.home, store: p.store, tickMs: 50, debounceMs: 30 });
    await until("the first pass", () => agentNamed("a"));
    p.write("manifests/b.yaml", agent("b"));
    await until("the pass after a change", () => agentNamed("b"));
    p.remove("manifests/b.yaml");
    await until("the prune after a delete", () => agentNamed("b") === undefined);
  });

  it("does not start another pass of a source while one runs, however often it ticks", async () => {
    p = testProject();
    p.write("manifests/a.yaml", Array.from({ length: 300 }, (_, i) => agent(`a${i}`)).join("---\n"));
    p.addDirSource("default", "manifests", { intervalMs: 3_600_000 });
    const passes: string[] = [];
    r = startSourceReconciler({ home: p.home, store: p.store, tickMs: 1, watchDirectories: false, log: (e) => e.source && passes.push(e.message) });
    await until("the first pass", () => agentNamed("a299"));
    // Stopping waits for every pass still running: any second one would have logged by then.
    await r.stop();
    r = undefined;
    expect(passes).toHaveLength(1);
  });

  it("logs a pass that changed something, and a pass that found nothing new only when its outcome differs from the last", async () => {
    p = testProject();
    p.write("manifests/a.yaml", agent("a"));
    p.addDirSource("default", "manifests", { intervalMs: 100 });
    const lines: string[] = [];
    r = startSourceReconciler({ home: p.home, store: p.store, tickMs: 10, watchDirectories: false, log: (e) => e.source && lines.push(e.message) });
    await until("the first pass", () => agentNamed("a"));
    // More passes over the unchanged directory (beside those of the interval) log nothing.
    await r.reconcileNow("default");
    await r.reconcileNow("default");
    expect(lines, lines.join("\n")).toHaveLength(1);
    expect(lines[0]).toMatch(/^ReconciliationSucceeded: Applied revision: .* \(1 created, 0 configured, 0 pruned, 0 drift corrected\)$/);
    p.write("manifests/a.yaml", agent("a", "echo changed"));
    await until("the change", () => lines.length === 2);
    expect(lines[1]).toContain("(0 created, 1 configured, 0 pruned, 0 drift corrected)");
  });

  it("answers reconcileNow and reconcile requests written by another process's connection", async () => {
    p = testProject();
    p.write("manifests/a.yaml", agent("a"));
    p.addDirSource("default", "manifests");
    r = startSourceReconciler({ home: p.home, tickMs: 50, watchDirectories: false });
    const [first] = await r.reconcileNow("default");
    expect(first).toMatchObject({ source: "default", ready: true });
    await expect(r.reconcileNow("nope")).rejects.toBeInstanceOf(UnknownSourceError);

    const client = openStore(p.home);
    try {
      p.write("manifests/b.yaml", agent("b"));
      const id = sourceStoreOf(client).requestReconcile(null);
      const done = await until("the request to finish", () => {
        const req = sourceStoreOf(client).getReconcileRequest(id);
        return req?.finishedAt ? req : undefined;
      });
      expect(done.result).toMatchObject({ results: [{ source: "default", ready: true, counts: { created: 1 } }] });
      expect(agentNamed("b")).toBeDefined();
    } finally {
      client.close();
    }
  });

  it("retries a failing fetch with backoff, sooner than the interval", async () => {
    p = testProject();
    p.sources.addSource({ name: "repo", type: "git", url: join(p.root, "no-such-repo.git"), intervalMs: 60_000, project: "default", prune: true });
    r = startSourceReconciler({ home: p.home, store: p.store, tickMs: 20, backoffInitialMs: 50 });
    const st = await until("three failed fetches", () => {
      const s = p.source("repo").status;
      return s.failures >= 3 ? s : undefined;
    });
    expect(st.conditions.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "FetchFailed" });
    // One event for the repeated, identical failure.
    expect(p.store.listEvents({ type: "reconcile_failed" })).toHaveLength(1);
  });

  it("follows sources added and removed while it runs", async () => {
    p = testProject();
    r = startSourceReconciler({ home: p.home, store: p.store, tickMs: 30, debounceMs: 20 });
    p.write("later/a.yaml", agent("late"));
    p.addDirSource("later", "later");
    await until("a pass over the added source", () => agentNamed("late"));
    p.sources.removeSource("later");
    // reconcileNow reads the sources again before it passes over them.
    expect(await r.reconcileNow()).toEqual([]);
  });
});
