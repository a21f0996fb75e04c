/**
 * A NUL byte (U+0000) reaching the store from a step, on the SQLite store
 * and on a real PostgreSQL one (whose text cannot hold it), through the
 * built CLI: a step's output captured into a variable and written to a
 * WorkflowStore keeps it (JSON escapes it); a guard's reason keeps it in
 * the task's loop record and shows it as `\0` in the task's message, the
 * same on both stores; a manifest's description with one is refused at
 * apply; and `db migrate` copies such a home whole, and refuses one with a
 * NUL elsewhere (an older version's description) before writing anything.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, tempProject } from "../support/cli.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../support/postgres.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const MANIFESTS = [
  doc("Workspace", "w", '  root_path: "."\n'),
  doc("WorkflowStore", "ctx", "  retention:\n    max_entries: 10\n"),
  doc(
    "Workflow",
    "nul",
    `  steps:
    - id: produce
      scope: task
      command: "printf 'x\\\\000y'; printf 'e\\\\000rr' >&2"
      behavior:
        captures:
          - {var: got, source: stdout}
        post_actions:
          - {type: store_put, store: ctx, key: k, from_var: got}
    - id: guard
      scope: task
      is_guard: true
      command: "echo '{\\"should_stop\\": true, \\"reason\\": \\"stop\\\\\\\\u0000now\\"}'"
`,
  ),
].join("---\n");
const DESCRIBED = 'apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: other\n  description: "bad\\0text"\nspec:\n  root_path: "."\n';

interface TaskJson {
  phase: string;
  message: string;
  loop: { reason: string; stoppedBy: string } | null;
}

describe.skipIf(postgresUnavailable !== undefined)("a NUL byte from a step", () => {
  let server: PostgresServer;
  const cleanups: (() => void)[] = [];
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => {
    for (const c of cleanups) c();
    server?.stop();
  });

  const home = (url?: string) => {
    const p = tempProject({ "m.yaml": MANIFESTS, "described.yaml": DESCRIBED });
    cleanups.push(p.cleanup);
    const run = (args: readonly string[]) => cli(args, { cwd: p.dir });
    expect(run(url ? ["init", "--store", url] : ["init"]).code).toBe(0);
    const applied = run(["apply", "-f", "m.yaml", "--no-daemon"]);
    expect(applied.stderr).toBe("");
    return { dir: p.dir, run };
  };
  const task = (run: ReturnType<typeof home>["run"]): TaskJson => (JSON.parse(run(["task", "list", "-o", "json"]).stdout) as { items: TaskJson[] }).items[0]!;

  for (const store of ["sqlite", "postgres"] as const) {
    it(`is kept in values and shown as \\0 in messages, the same on the ${store} store; a description with one is refused at apply`, () => {
      const { run } = home(store === "postgres" ? server.createDatabase() : undefined);
      const ran = run(["run", "--workflow", "nul"]);
      expect(ran.stderr).toMatch(/completed: completed after 1 cycle\(s\); loop stopped by guard \(stop\\0now\)/);
      expect(ran.code).toBe(0);
      const t = task(run);
      expect(t).toMatchObject({ phase: "Completed", message: "completed after 1 cycle(s); loop stopped by guard (stop\\0now)", loop: { stoppedBy: "guard", reason: "stop\u0000now" } });
      expect(JSON.parse(run(["store", "get", "ctx", "k", "-o", "json"]).stdout)).toMatchObject({ value: "x\u0000y" });

      const refused = run(["apply", "-f", "described.yaml", "--no-daemon"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/workspace\/other: metadata\.description: must be text without a NUL byte \(\\0\)/);
      expect(run(["get", "workspace", "other"]).code).not.toBe(0);
    });
  }

  it("db migrate copies a SQLite home that holds them; the PostgreSQL store shows the same", () => {
    const { run } = home();
    expect(run(["run", "--workflow", "nul"]).code).toBe(0);
    const before = task(run);
    const migrated = run(["db", "migrate", "--to", server.createDatabase()]);
    expect(migrated.stderr).toBe("");
    expect(migrated.code).toBe(0);
    expect(task(run)).toEqual(before);
    expect(JSON.parse(run(["store", "get", "ctx", "k", "-o", "json"]).stdout)).toMatchObject({ value: "x\u0000y" });
  });

  it("db migrate refuses a SQLite home with a NUL in other text (an older version's description) before writing anything, naming the row", () => {
    const { dir, run } = home();
    const db = new Database(join(dir, ".orchestrator", "state.db"));
    db.prepare("UPDATE resources SET description = ? WHERE kind = 'Workspace' AND name = 'w'").run("old\u0000text");
    db.close();
    const url = server.createDatabase();
    const refused = run(["db", "migrate", "--to", url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/table resources, row project "default", kind "Workspace", name "w": column description holds a NUL byte \(\\0\), which PostgreSQL text cannot store; .*nothing was written there, and this home still uses state\.db/);
    expect(existsSync(join(dir, ".orchestrator", "state.db"))).toBe(true);
    expect(run(["get", "workspace", "w"]).code).toBe(0);
    // Another home can take the database: it is empty.
    const other = home(url);
    expect(other.run(["get", "workspace", "w"]).code).toBe(0);
  });
});
