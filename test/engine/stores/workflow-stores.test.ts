/**
 * The store layer in a long-lived process (as the controller holds it),
 * over a real state.db that the CLI changes from other processes: what it
 * keeps between calls (a store's config and backend) follows each change
 * of the resources, and the TTL moves with the clock.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { join } from "node:path";
import { WorkflowStores, WorkflowStoreError } from "../../../src/engine/stores/workflow-stores.js";
import { homeAt } from "../../../src/store/home-location.js";
import { openSqliteStore } from "../../../src/store/sqlite/open.js";
import type { Store } from "../../../src/store/store.js";
import { initializedProject } from "../../support/cli.js";

const storeDoc = (spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: WorkflowStore\nmetadata:\n  name: notes\nspec:\n${spec}`;

describe("workflow stores held by a long-lived process", () => {
  let p: ReturnType<typeof initializedProject> | undefined;
  let store: Store | undefined;
  afterEach(() => {
    vi.useRealTimers();
    store?.close();
    p?.cleanup();
    store = undefined;
    p = undefined;
  });

  function open(): WorkflowStores {
    const home = homeAt(join(p!.dir, ".orchestrator"));
    store = openSqliteStore(home);
    return new WorkflowStores(store, home);
  }

  const apply = (yaml: string): void => {
    const r = p!.run(["apply", "-f", "-"], { input: yaml });
    expect(r.code, r.stderr).toBe(0);
  };

  it("checks values against the schema applied since its last call, and keeps the retention applied since", async () => {
    p = initializedProject();
    apply(storeDoc("  schema:\n    type: object\n    required: [n]\n"));
    const stores = open();
    await stores.put("default", "notes", "a", { n: 1 });
    await expect(stores.put("default", "notes", "b", "text")).rejects.toThrow("store 'notes' key 'b': the value does not match the store's schema: the value must be object");

    apply(storeDoc("  schema:\n    type: string\n  retention:\n    max_entries: 1\n"));
    await expect(stores.put("default", "notes", "c", { n: 2 })).rejects.toThrow("the value must be string");
    expect(await stores.put("default", "notes", "b", "text")).toEqual({ pruned: 1 });
    expect((await stores.list("default", "notes")).map((e) => e.key)).toEqual(["b"]);
  });

  it("fails every call on a provider that does not exist, until one is applied", async () => {
    p = initializedProject();
    apply(storeDoc("  provider: elsewhere\n"));
    const stores = open();
    for (let i = 0; i < 2; i++) await expect(stores.get("default", "notes", "k")).rejects.toThrow(WorkflowStoreError);
    await expect(stores.put("default", "notes", "k", 1)).rejects.toThrow("store 'notes' uses provider 'elsewhere', which is not a StoreBackendProvider in project 'default'");
    expect(stores.summaries("default")).toEqual([{ store: "notes", entries: -1, updatedAt: "", declared: true, backend: "command (elsewhere)" }]);

    apply(storeDoc("  backend: local\n"));
    expect(await stores.put("default", "notes", "k", 1)).toEqual({ pruned: 0 });
    expect((await stores.get("default", "notes", "k"))?.value).toBe(1);
  });

  it("reads the TTL's cut-off from the clock at each call, not when the store was first used", async () => {
    p = initializedProject();
    apply(storeDoc("  retention:\n    ttl_seconds: 60\n"));
    const stores = open();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-01T00:00:00.000Z"));
    await stores.put("default", "notes", "old", 1);
    expect((await stores.get("default", "notes", "old"))?.value).toBe(1);
    vi.setSystemTime(new Date("2026-01-01T00:02:00.000Z"));
    expect(await stores.get("default", "notes", "old")).toBeUndefined();
    expect(await stores.put("default", "notes", "new", 2)).toEqual({ pruned: 1 });
    expect((await stores.list("default", "notes")).map((e) => e.key)).toEqual(["new"]);
  });
});
