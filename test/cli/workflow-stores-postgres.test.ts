/**
 * Workflow stores on a PostgreSQL store, through the built CLI: a step's
 * store_put and a later step's store_inputs, `orchestrator store
 * put|get|list|delete|prune` with retention, and a second home on the same
 * database (another host) reading what the first wrote; deleting a project
 * removes its entries.
 */
import { chmodSync, copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cli, tempProject, type CliResult } from "../support/cli.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../support/postgres.js";

const doc = (kind: string, name: string, spec: string, project?: string): string =>
  `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\n${project ? `  project: ${project}\n` : ""}spec:\n${spec}`;

const MANIFESTS = [
  doc("Workspace", "w", '  root_path: "."\n'),
  doc("WorkflowStore", "context", "  schema:\n    type: object\n  retention:\n    max_entries: 1000\n"),
  doc("WorkflowStore", "recent", "  retention:\n    max_entries: 2\n"),
  doc(
    "Workflow",
    "plan-then-read",
    `  steps:
    - id: plan
      scope: task
      command: "echo '{\\"confidence\\":0.95}'"
      behavior:
        post_actions:
          - type: store_put
            store: context
            key: plan_result
            from_var: plan_output
    - id: read
      scope: task
      command: "echo read={plan}"
      store_inputs:
        - store: context
          key: plan_result
          as_var: plan
          required: true
`,
  ),
  doc("Project", "team", "  description: a project to delete\n"),
].join("---\n");

interface Home {
  dir: string;
  run(args: readonly string[], input?: string): CliResult;
  cleanup(): void;
}

describe.skipIf(postgresUnavailable !== undefined)("workflow stores on a PostgreSQL store", () => {
  let server: PostgresServer;
  let homes: Home[] = [];

  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  afterEach(() => {
    for (const h of homes) h.cleanup();
    homes = [];
  });

  const home = (url: string, keyFrom?: Home): Home => {
    const p = tempProject({ "m.yaml": MANIFESTS });
    const h: Home = { dir: p.dir, run: (args, input) => cli(args, input === undefined ? { cwd: p.dir } : { cwd: p.dir, input }), cleanup: p.cleanup };
    homes.push(h);
    if (keyFrom) {
      mkdirSync(join(h.dir, ".orchestrator"));
      copyFileSync(join(keyFrom.dir, ".orchestrator", "secret.key"), join(h.dir, ".orchestrator", "secret.key"));
      chmodSync(join(h.dir, ".orchestrator", "secret.key"), 0o600);
    }
    expect(h.run(["init", "--store", url]).code).toBe(0);
    return h;
  };

  it("keeps what steps and `store` commands write, for every home on the database", () => {
    const url = server.createDatabase();
    const a = home(url);
    const applied = a.run(["apply", "-f", "m.yaml", "--no-daemon"]);
    expect(applied.stderr).toBe("");

    const ran = a.run(["run", "--workflow", "plan-then-read"]);
    expect(ran.stderr).toMatch(/completed: completed after 1 cycle/);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('read={"confidence":0.95}');
    const task = (JSON.parse(a.run(["task", "list", "-o", "json"]).stdout) as { items: Array<{ id: string }> }).items[0]!.id;
    expect(JSON.parse(a.run(["store", "get", "context", "plan_result", "-o", "json"]).stdout)).toMatchObject({ value: { confidence: 0.95 }, taskId: task });

    // The schema refuses a value, and nothing is written.
    const refused = a.run(["store", "put", "context", "k", '"text"']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the value does not match the store's schema: the value must be object/);

    for (const k of ["a", "b", "c"]) expect(a.run(["store", "put", "recent", k, `"${k}"`]).code).toBe(0);
    expect(a.run(["store", "put", "recent", "d", '"d"']).stdout).toBe("stored key 'd' in store 'recent' (1 older entry removed by retention)\n");
    expect(a.run(["store", "prune", "recent"]).stdout).toBe("pruned 0 entries from store 'recent'\n");
    expect(a.run(["store", "put", "notes", "n", '"in team"', "-p", "team"]).code).toBe(0);

    // Another host: the same entries.
    const b = home(url, a);
    expect(b.run(["store", "get", "context", "plan_result"]).stdout).toBe('{\n  "confidence": 0.95\n}\n');
    expect((JSON.parse(b.run(["store", "list", "recent", "-o", "json"]).stdout) as Array<{ key: string }>).map((e) => e.key)).toEqual(["d", "c"]);
    expect(b.run(["store", "delete", "recent", "d"]).stdout).toBe("deleted key 'd' from store 'recent'\n");
    expect(a.run(["store", "get", "recent", "d"]).stderr).toBe("error: key 'd' not found in store 'recent' (project 'default')\n");
    const stores = JSON.parse(a.run(["store", "list", "-o", "json"]).stdout) as Array<{ store: string; entries: number }>;
    expect(stores.map((s) => [s.store, s.entries])).toEqual([
      ["context", 1],
      ["recent", 1],
    ]);

    // A later task on the other host reads what the first wrote.
    expect(b.run(["run", "--workflow", "plan-then-read", "--step", "read"]).stdout).toContain('read={"confidence":0.95}');

    expect(b.run(["store", "get", "notes", "n", "-p", "team"]).stdout).toBe("in team\n");
    const deleted = b.run(["delete", "project/team", "--force"]);
    expect(deleted.stderr).toBe("");
    expect(a.run(["store", "list", "-p", "team", "-o", "json"]).stdout).toBe("[]\n");
  }, 180_000);
});
