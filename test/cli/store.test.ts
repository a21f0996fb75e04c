/**
 * `orchestrator store get|put|list|delete|prune` through the built CLI:
 * values as JSON or text, the store's schema refusing a value (and nothing
 * written), retention by count and by age, projects kept apart, and the
 * file and command (StoreBackendProvider) backends.
 */
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { initializedProject } from "../support/cli.js";
import { until } from "../support/controller.js";

const doc = (kind: string, name: string, spec: string, project?: string): string =>
  `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\n${project ? `  project: ${project}\n` : ""}spec:\n${spec}`;

const STORES = [
  // The guide's WP01 store.
  doc("WorkflowStore", "context", `  backend: local\n  schema:\n    type: object\n    properties:\n      value:\n        type: string\n  retention:\n    max_entries: 1000\n    ttl_seconds: 86400\n`),
  doc("WorkflowStore", "recent", `  retention:\n    max_entries: 2\n`),
  doc("WorkflowStore", "brief", `  retention:\n    ttl_seconds: 1\n`),
  doc("WorkflowStore", "files", `  backend: file\n  base_path: kept\n`),
  doc(
    "StoreBackendProvider",
    "dirs",
    `  commands:
    get: 'cat "cmdstore/$STORE_NAME/$KEY" 2>/dev/null || true'
    put: 'mkdir -p "cmdstore/$STORE_NAME" && printf %s "$VALUE" > "cmdstore/$STORE_NAME/$KEY"'
    delete: 'rm -f "cmdstore/$STORE_NAME/$KEY"'
    list: 'printf "["; sep=""; for f in cmdstore/$STORE_NAME/*; do [ -f "$f" ] || continue; printf "%s{\\"key\\":\\"%s\\",\\"value\\":%s}" "$sep" "$(basename "$f")" "$(cat "$f")"; sep=","; done; printf "]"'
`,
  ),
  doc("WorkflowStore", "viacmd", `  provider: dirs\n`),
].join("---\n");

type Entry = { key: string; value: unknown; taskId: string | null };

describe("orchestrator store", { timeout: 240_000 }, () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  const setup = (): void => {
    p = initializedProject({ "stores.yaml": STORES });
    const r = p.run(["apply", "-f", "stores.yaml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  };
  const list = (store: string, ...extra: string[]): Entry[] => JSON.parse(p.run(["store", "list", store, "-o", "json", ...extra]).stdout) as Entry[];

  it("puts, gets, lists and deletes as the guide shows: JSON stays JSON, other text is a string", () => {
    setup();
    expect(p.run(["store", "put", "context", "my_key", '{"value": "my_value"}']).stdout).toBe("stored key 'my_key' in store 'context'\n");
    expect(p.run(["store", "get", "context", "my_key"]).stdout).toBe('{\n  "value": "my_value"\n}\n');
    expect(p.run(["store", "put", "other", "sha", "3f2a9c1"]).stdout).toBe("stored key 'sha' in store 'other'\n");
    // A string prints as its own text, for $(orchestrator store get ...).
    expect(p.run(["store", "get", "other", "sha"]).stdout).toBe("3f2a9c1\n");
    expect(JSON.parse(p.run(["store", "get", "other", "sha", "-o", "json"]).stdout)).toMatchObject({ key: "sha", value: "3f2a9c1", taskId: null });
    const table = p.run(["store", "list", "context"]).stdout;
    expect(table).toMatch(/^KEY\s+TASK\s+UPDATED\s+VALUE\nmy_key\s+-\s+\d+[sm]\s+\{"value":"my_value"\}\n$/);
    // The same table (the UPDATED age may have ticked over between the two calls, and its width with it).
    const age = (t: string): string => t.replace(/ +\d+[smhd] +/g, " N ").replace(/ +/g, " ");
    expect(age(p.run(["store", "ls", "context"]).stdout)).toBe(age(table));
    expect(p.run(["store", "delete", "context", "my_key"]).stdout).toBe("deleted key 'my_key' from store 'context'\n");
    const gone = p.run(["store", "get", "context", "my_key"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe("error: key 'my_key' not found in store 'context' (project 'default')\n");
    expect(p.run(["store", "delete", "context", "my_key"]).code).toBe(1);
  });

  it("refuses a value the store's schema does not allow, and writes nothing", () => {
    setup();
    const r = p.run(["store", "put", "context", "k", '{"value": 42}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: store 'context' key 'k': the value does not match the store's schema: value.value must be string\n");
    expect(p.run(["store", "put", "context", "k", "plain text"]).stderr).toMatch(/the value must be object/);
    expect(list("context")).toEqual([]);
  });

  it("keeps at most max_entries, newest first, and prune applies the retention on demand", () => {
    setup();
    for (const k of ["a", "b", "c"]) expect(p.run(["store", "put", "recent", k, `"${k}"`]).code).toBe(0);
    expect(list("recent").map((e) => e.key)).toEqual(["c", "b"]);
    expect(p.run(["store", "put", "recent", "d", '"d"']).stdout).toBe("stored key 'd' in store 'recent' (1 older entry removed by retention)\n");
    expect(p.run(["store", "prune", "recent"]).stdout).toBe("pruned 0 entries from store 'recent'\n");
    expect(p.run(["store", "prune", "other"]).stdout).toBe("store 'other' has no retention (spec.retention.max_entries, ttl_seconds); nothing to prune\n");
  });

  it("treats an entry older than ttl_seconds as gone, and prune removes it", async () => {
    setup();
    p.run(["store", "put", "brief", "k", '"v"']);
    await until("the entry to expire", () => p.run(["store", "get", "brief", "k"]).code === 1, 15_000, undefined, () => `store get: ${JSON.stringify(p.run(["store", "get", "brief", "k"]))}`);
    expect(list("brief")).toEqual([]);
    expect(p.run(["store", "prune", "brief"]).stdout).toBe("pruned 1 entry from store 'brief'\n");
  });

  it("pages with --limit and --offset, filters by --task-id, and keeps projects apart", () => {
    setup();
    for (const k of ["a", "b", "c", "d"]) p.run(["store", "put", "notes", k, `"${k}"`]);
    expect(list("notes", "--limit", "2").map((e) => e.key)).toEqual(["d", "c"]);
    expect(list("notes", "--limit", "2", "--offset", "2").map((e) => e.key)).toEqual(["b", "a"]);
    expect(p.run(["store", "list", "notes", "--limit", "two"]).stderr).toBe("error: --limit must be a whole number, not 'two'\n");
    expect(p.run(["store", "put", "notes", "t", "1", "--task-id", "t-nope"]).stderr).toMatch(/^error: --task-id: no task matches "t-nope"/);
    p.write("wf.yaml", [doc("Workspace", "w", '  root_path: "."\n'), doc("Workflow", "hi", "  steps:\n    - id: hi\n      command: echo hi\n")].join("---\n"));
    p.run(["apply", "-f", "wf.yaml"]);
    const task = p.run(["task", "create", "--no-start", "--workflow", "hi"]).stdout.trim();
    expect(p.run(["store", "put", "notes", "e", "5", "--task-id", task]).code).toBe(0);
    expect(list("notes", "--task-id", task)).toEqual([expect.objectContaining({ key: "e", value: 5, taskId: task })]);
    expect(p.run(["store", "put", "notes", "a", '"elsewhere"', "--project", "team"]).code).toBe(0);
    expect(p.run(["store", "get", "notes", "a", "-p", "team"]).stdout).toBe("elsewhere\n");
    expect(p.run(["store", "get", "notes", "a"]).stdout).toBe("a\n");
    const stores = JSON.parse(p.run(["store", "list", "-o", "json"]).stdout) as Array<{ store: string; declared: boolean; entries: number | null }>;
    expect(stores.find((s) => s.store === "notes")).toEqual({ store: "notes", backend: "local", declared: false, entries: 5, updatedAt: expect.any(String) });
    expect(stores.find((s) => s.store === "context")).toMatchObject({ declared: true, entries: 0 });
  });

  it("says when a store is not declared, and reads a value from stdin with -", () => {
    setup();
    const r = p.run(["store", "put", "adhoc", "k", "-"], { input: '{"from": "stdin"}\n' });
    expect(r.stderr).toBe("note: no WorkflowStore 'adhoc' is declared in project 'default'; it is a local store with no schema and no retention\n");
    expect(JSON.parse(p.run(["store", "get", "adhoc", "k"]).stdout)).toEqual({ from: "stdin" });
  });

  it("keeps a file store's entries as files under base_path, keys encoded so none leaves it", () => {
    setup();
    expect(p.run(["store", "put", "files", "../escape", '{"n": 1}']).code).toBe(0);
    expect(JSON.parse(p.run(["store", "get", "files", "../escape"]).stdout)).toEqual({ n: 1 });
    expect(readdirSync(join(p.dir, "kept", "default", "files"))).toEqual(["%2E%2E%2Fescape.json"]);
    expect(existsSync(join(p.dir, "escape.json"))).toBe(false);
    expect(list("files").map((e) => e.key)).toEqual(["../escape"]);
  });

  it("runs a StoreBackendProvider's commands with the key and value in their environment", () => {
    setup();
    expect(p.run(["store", "put", "viacmd", "k1", '{"a": [1, 2]}']).code).toBe(0);
    expect(existsSync(join(p.dir, "cmdstore", "viacmd", "k1"))).toBe(true);
    expect(JSON.parse(p.run(["store", "get", "viacmd", "k1"]).stdout)).toEqual({ a: [1, 2] });
    expect(list("viacmd")).toEqual([expect.objectContaining({ key: "k1", value: { a: [1, 2] } })]);
    // A key that would break a command pasted into the shell reaches it as data.
    expect(p.run(["store", "put", "viacmd", "x'; touch pwned; '", '"v"']).code).toBe(0);
    expect(existsSync(join(p.dir, "pwned"))).toBe(false);
    expect(p.run(["store", "get", "viacmd", "missing"]).code).toBe(1);
  });

  it("refuses a provider that does not exist, and a backend that needs one", () => {
    p = initializedProject({ "s.yaml": [doc("WorkflowStore", "lost", "  provider: nowhere\n"), doc("WorkflowStore", "bad", "  backend: command\n")].join("---\n") });
    const applied = p.run(["apply", "-f", "s.yaml"]);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(/workflowstore\/bad: spec\.provider: backend 'command' needs provider/);
    p.write("s.yaml", doc("WorkflowStore", "lost", "  provider: nowhere\n"));
    expect(p.run(["apply", "-f", "s.yaml"]).code).toBe(0);
    const r = p.run(["store", "put", "lost", "k", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: store 'lost' uses provider 'nowhere', which is not a StoreBackendProvider in project 'default'; apply one or set backend: local\n");
  });
});
