import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ResourceConflictError } from "../../../src/store/errors.js";
import type { ResourceChange } from "../../../src/store/store.js";
import { write } from "../helpers.js";
import { describeStores } from "./backends.js";

describeStores("Store", (b) => {
const newStore = b.newStore;
const key = (kind: string, name: string, project = "default") => ({ project, kind, name });

describe("commit", () => {
  it("creates resources with generation 1, origin and timestamps, and reads them back", () => {
    const { store } = newStore();
    const w = write("Agent", "coder", { command: "echo hi" }, {
      labels: { team: "a" },
      origin: { appliedBy: "source:repo", file: "manifests/agent.yaml", line: 3, commit: "abc123" },
    });
    w.metadata.description = "writes code";
    w.metadata.annotations = { note: "x" };
    store.commit([{ op: "create", resource: w }], "tester");
    const got = store.getResource(key("Agent", "coder"));
    expect(got).toMatchObject({
      apiVersion: "orchestrator.dev/v2",
      kind: "Agent",
      metadata: { name: "coder", project: "default", labels: { team: "a" }, annotations: { note: "x" }, description: "writes code" },
      spec: { command: "echo hi" },
      generation: 1,
      hash: w.hash,
      origin: { appliedBy: "source:repo", file: "manifests/agent.yaml", line: 3, commit: "abc123" },
    });
    expect(got?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(got?.updatedAt).toBe(got?.createdAt);
    expect(got?.status).toBeUndefined();
    store.close();
  });

  it("is atomic: a failing change in the middle leaves nothing, not even events", () => {
    const { store } = newStore();
    store.commit([{ op: "create", resource: write("Agent", "existing", { v: 1 }) }], "t");
    const eventsBefore = store.listEvents().length;
    const changes: ResourceChange[] = [
      { op: "create", resource: write("Agent", "first", { v: 1 }) },
      { op: "update", resource: write("Agent", "existing", { v: 2 }), specChanged: true },
      { op: "create", resource: write("Agent", "existing", { v: 3 }) }, // already exists: fails
      { op: "create", resource: write("Agent", "last", { v: 1 }) },
    ];
    expect(() => store.commit(changes, "t")).toThrow(ResourceConflictError);
    expect(store.getResource(key("Agent", "first"))).toBeUndefined();
    expect(store.getResource(key("Agent", "last"))).toBeUndefined();
    expect(store.getResource(key("Agent", "existing"))).toMatchObject({ spec: { v: 1 }, generation: 1 });
    expect(store.listEvents()).toHaveLength(eventsBefore);
    store.close();
  });

  it("fails an update or delete of a missing resource with a message naming it", () => {
    const { store } = newStore();
    expect(() => store.commit([{ op: "update", resource: write("Agent", "ghost", {}), specChanged: true }], "t")).toThrow(
      /cannot update Agent default\/ghost: it does not exist/,
    );
    expect(() => store.commit([{ op: "delete", key: key("Agent", "ghost") }], "t")).toThrow(
      /cannot delete Agent default\/ghost: it does not exist/,
    );
    store.close();
  });

  it("bumps generation only when specChanged, keeping createdAt and status", () => {
    const { store } = newStore();
    store.commit([{ op: "create", resource: write("Workflow", "qa", { steps: [] }) }], "t");
    const created = store.getResource(key("Workflow", "qa"))!;
    expect(store.setStatus(key("Workflow", "qa"), { observedGeneration: 1 })).toBe(true);

    store.commit([{ op: "update", resource: write("Workflow", "qa", { steps: [] }, { labels: { x: "y" } }), specChanged: false }], "t");
    const relabelled = store.getResource(key("Workflow", "qa"))!;
    expect(relabelled.generation).toBe(1);
    expect(relabelled.metadata.labels).toEqual({ x: "y" });

    store.commit([{ op: "update", resource: write("Workflow", "qa", { steps: ["a"] }), specChanged: true }], "t");
    store.commit([{ op: "update", resource: write("Workflow", "qa", { steps: ["a", "b"] }), specChanged: true }], "t");
    const changed = store.getResource(key("Workflow", "qa"))!;
    expect(changed.generation).toBe(3);
    expect(changed.spec).toEqual({ steps: ["a", "b"] });
    expect(changed.metadata.labels).toBeUndefined();
    expect(changed.createdAt).toBe(created.createdAt);
    expect(changed.status).toEqual({ observedGeneration: 1 });
    store.close();
  });

  it("records one event per change, in the same transaction, with type, actor and generation", () => {
    const { store } = newStore();
    store.commit(
      [
        { op: "create", resource: write("Agent", "a", {}) },
        { op: "create", resource: write("Agent", "b", {}) },
        { op: "create", resource: write("Agent", "c", {}) },
      ],
      "alice",
    );
    store.commit(
      [
        { op: "update", resource: write("Agent", "a", { v: 2 }), specChanged: true },
        { op: "delete", key: key("Agent", "b") },
        { op: "delete", key: key("Agent", "c"), reason: "pruned" },
      ],
      "source:git",
    );
    const events = store.listEvents({ kind: "Agent" });
    expect(events.map((e) => [e.type, e.name, e.actor])).toEqual([
      ["resource_created", "a", "alice"],
      ["resource_created", "b", "alice"],
      ["resource_created", "c", "alice"],
      ["resource_updated", "a", "source:git"],
      ["resource_deleted", "b", "source:git"],
      ["resource_pruned", "c", "source:git"],
    ]);
    expect(events[3]).toMatchObject({ project: "default", message: "agent/a configured", data: { generation: 2, specChanged: true } });
    expect(events[5]?.message).toBe("agent/c pruned");
    expect(store.listEvents({ type: "resource_pruned" })).toHaveLength(1);
    expect(store.listEvents({ project: "default", kind: "Agent", name: "a" })).toHaveLength(2);
    store.close();
  });

  it("does nothing for an empty change list", () => {
    const { store } = newStore();
    store.commit([], "t");
    expect(store.listEvents()).toHaveLength(0);
    store.close();
  });
});

describe("listResources", () => {
  it("lists one kind in one project by name, another project, or every project", () => {
    const { store } = newStore();
    store.commit(
      [
        { op: "create", resource: write("Agent", "b", {}) },
        { op: "create", resource: write("Agent", "a", {}) },
        { op: "create", resource: write("Workflow", "w", {}) },
        { op: "create", resource: write("Agent", "z", {}, { project: "alpha" }) },
      ],
      "t",
    );
    expect(store.listResources({ kind: "Agent" }).map((r) => r.metadata.name)).toEqual(["a", "b"]);
    expect(store.listResources({ kind: "Agent", project: "alpha" }).map((r) => r.metadata.name)).toEqual(["z"]);
    expect(store.listResources({ kind: "Agent", allProjects: true }).map((r) => `${r.metadata.project}/${r.metadata.name}`)).toEqual([
      "alpha/z",
      "default/a",
      "default/b",
    ]);
    expect(store.listResources().map((r) => r.kind)).toEqual(["Agent", "Agent", "Workflow"]);
    expect(store.listResources({ kind: "Agent", name: "b" })).toHaveLength(1);
    store.close();
  });
});

describe("projects", () => {
  it("stores the Project kind outside any project and lists declared, used and default projects", () => {
    const { store } = newStore();
    store.commit(
      [
        { op: "create", resource: write("Project", "declared", {}, { project: "default" }) },
        { op: "create", resource: write("Agent", "a", {}, { project: "used" }) },
      ],
      "t",
    );
    expect(store.getResource(key("Project", "declared", ""))?.metadata.project).toBe("");
    expect(store.getResource(key("Project", "declared", "whatever"))).toBeDefined();
    expect(store.listResources({ kind: "Project" }).map((r) => r.metadata.name)).toEqual(["declared"]);
    expect(store.listProjects()).toEqual(["declared", "default", "used"]);
    store.close();
  });

  it("deleteProject removes every resource in it and its Project resource, with events, in one transaction", () => {
    const { store } = newStore();
    store.commit(
      [
        { op: "create", resource: write("Project", "alpha", {}) },
        { op: "create", resource: write("Agent", "a", {}, { project: "alpha" }) },
        { op: "create", resource: write("Workflow", "w", {}, { project: "alpha" }) },
        { op: "create", resource: write("Agent", "keep", {}, { project: "beta" }) },
      ],
      "t",
    );
    expect(store.deleteProject("alpha", "bob")).toBe(3);
    expect(store.listResources({ project: "alpha" })).toEqual([]);
    expect(store.getResource(key("Project", "alpha", ""))).toBeUndefined();
    expect(store.getResource(key("Agent", "keep", "beta"))).toBeDefined();
    expect(store.listProjects()).toEqual(["beta", "default"]);
    const deleted = store.listEvents({ type: "resource_deleted" });
    expect(deleted.map((e) => `${e.kind}/${e.name}`).sort()).toEqual(["Agent/a", "Project/alpha", "Workflow/w"]);
    expect(deleted.every((e) => e.actor === "bob")).toBe(true);
    expect(store.listEvents({ type: "project_deleted" })[0]?.data).toEqual({ resources: 3, storeEntries: 0 });
    expect(store.deleteProject("alpha", "bob")).toBe(0);
    store.close();
  });
});

describe("secrets at rest", () => {
  it("returns decrypted specs but stores only ciphertext, and hashes with a key", () => {
    const { store, home } = newStore();
    const marker = "s3cr3t-" + Math.random().toString(36).slice(2);
    store.commit([{ op: "create", resource: write("SecretStore", "api", { data: { TOKEN: marker, N: 5 } }) }], "t");
    expect(store.getResource(key("SecretStore", "api"))?.spec).toEqual({ data: { TOKEN: marker, N: 5 } });
    expect(store.listResources({ kind: "SecretStore" })[0]?.spec).toEqual({ data: { TOKEN: marker, N: 5 } });

    const spec = JSON.parse(b.raw(home, store, "SELECT spec FROM resources WHERE kind = 'SecretStore'")[0] as string);
    expect(spec.data.TOKEN.$enc).toMatch(/^v2:k1:[^:]+:[^:]+:[^:]+$/);
    expect(JSON.stringify(spec)).not.toContain(marker);

    const content = { spec: { data: { TOKEN: marker } } };
    expect(store.contentHash("SecretStore", content)).not.toBe(store.contentHash("Agent", content));
    expect(store.contentHash("Agent", content)).toMatch(/^[0-9a-f]{64}$/);
    store.close();
  });

  it.skipIf(b.name !== "sqlite")("never writes a secret value in plaintext to state.db or state.db-wal (before checkpoint)", () => {
    const { store, home } = newStore();
    const created = `created-marker-${process.pid}-${Date.now()}`;
    const updated = `updated-marker-${process.pid}-${Date.now()}`;
    const visible = `visible-marker-${process.pid}-${Date.now()}`;
    store.commit([{ op: "create", resource: write("SecretStore", "api", { data: { TOKEN: created } }) }], "t");
    store.commit([{ op: "update", resource: write("SecretStore", "api", { data: { TOKEN: updated } }), specChanged: true }], "t");
    // Control: a non-secret value does land in the WAL, so the grep below can see what was written.
    store.commit([{ op: "create", resource: write("Agent", "control", { command: visible }) }], "t");

    const db = readFileSync(home.dbPath);
    const wal = readFileSync(`${home.dbPath}-wal`);
    expect(wal.length).toBeGreaterThan(0);
    expect(wal.includes(visible)).toBe(true);
    for (const marker of [created, updated]) {
      expect(db.includes(marker)).toBe(false);
      expect(wal.includes(marker)).toBe(false);
    }
    const events = JSON.stringify(store.listEvents({ kind: "SecretStore" }));
    expect(events).not.toContain(created);
    expect(events).not.toContain(updated);
    expect(store.getResource(key("SecretStore", "api"))?.spec).toEqual({ data: { TOKEN: updated } });
    store.close();
  });

  it("uses a fresh IV per value: the same secret twice gives different ciphertexts", () => {
    const { store, home } = newStore();
    store.commit(
      [
        { op: "create", resource: write("SecretStore", "a", { data: { K: "same" } }) },
        { op: "create", resource: write("SecretStore", "b", { data: { K: "same" } }) },
      ],
      "t",
    );
    const specs = b.raw(home, store, "SELECT spec FROM resources ORDER BY name") as string[];
    expect(specs[0]).not.toBe(specs[1]);
    store.close();
  });
});

describe("status and meta", () => {
  it("reports counts, schema version and journal mode", () => {
    const { store, home } = newStore();
    store.commit([{ op: "create", resource: write("Agent", "a", {}, { project: "p" }) }], "t");
    const s = store.status();
    expect(s).toMatchObject({ pending: 0, resources: 1, events: 1, projects: 2 });
    if (b.name === "sqlite") expect(s).toMatchObject({ path: home.dbPath, journalMode: "wal" });
    else expect(s).toMatchObject({ path: expect.stringMatching(/^postgres:\/\//), journalMode: "postgresql" });
    expect(s.schemaVersion).toBe(s.latestVersion);
    expect(s.sizeBytes).toBeGreaterThan(0);
    expect(store.getMeta("created_at")).toMatch(/^\d{4}-/);
    store.setMeta("k", "v1");
    store.setMeta("k", "v2");
    expect(store.getMeta("k")).toBe("v2");
    expect(store.setStatus(key("Agent", "missing"), {})).toBe(false);
    store.close();
  });
});

describe("listEvents", () => {
  it("with a limit returns the newest events, oldest first; filters by task id", () => {
    const { store } = newStore();
    for (let i = 0; i < 5; i++) store.appendEvent({ type: "tick", message: `m${i}`, taskId: i % 2 ? "t1" : "t2", data: { i } });
    expect(store.listEvents({ limit: 2 }).map((e) => e.message)).toEqual(["m3", "m4"]);
    expect(store.listEvents({ taskId: "t1" }).map((e) => e.data)).toEqual([{ i: 1 }, { i: 3 }]);
    store.close();
  });
});
});
