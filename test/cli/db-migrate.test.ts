/**
 * `orchestrator db migrate --to postgres://...` through the built CLI, on a
 * real PostgreSQL server: a single-host home with resources, a rotated
 * secret key, a finished task, a workflow store entry, a cordoned agent and
 * a trigger's suspension is moved onto an empty database; afterwards `get`,
 * `task list`, `task logs`, `store get`, `event list` and secrets read the
 * same, a controller on the database runs new work, and another home given
 * the key joins the store. Refused, with nothing written: a database that
 * already holds a store, a home whose controller is running or whose task
 * runs in a foreground `run`, a home already on PostgreSQL.
 */
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import Database from "better-sqlite3";
import { CLI, cli, initializedProject, tempProject } from "../support/cli.js";
import { startController, until, type RunningController } from "../support/controller.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../support/postgres.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

const SECRET_VALUE = "tok-migrate-7319";
const MANIFESTS = [
  doc("Workspace", "w", '  root_path: "."\n'),
  doc("Agent", "coder", "  capabilities: [implement]\n  command: \"echo coding {prompt}\"\n"),
  doc("SecretStore", "api", `  data:\n    TOKEN: "${SECRET_VALUE}"\n`),
  doc("WorkflowStore", "notes", "  retention:\n    max_entries: 10\n"),
  doc(
    "Workflow",
    "hello",
    `  steps:
    - id: greet
      scope: task
      command: "echo hello from $ORCHESTRATOR_RUN_ID; echo second line"
      behavior:
        post_actions:
          - type: store_put
            store: notes
            key: greeting
            from_var: greet_output
`,
  ),
  doc("Workflow", "slow", '  steps:\n    - id: wait\n      scope: task\n      command: "while [ ! -f release ]; do sleep 0.1; done"\n'),
  doc("Trigger", "nightly", '  cron:\n    schedule: "0 3 * * *"\n  action:\n    workflow: hello\n    workspace: w\n'),
].join("---\n");

type Project = ReturnType<typeof initializedProject>;

describe.skipIf(postgresUnavailable !== undefined)("orchestrator db migrate", () => {
  let server: PostgresServer;
  let projects: Array<{ cleanup(): void }> = [];
  let controller: RunningController | undefined;

  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail" && controller) process.stderr.write(`--- controller\n${controller.log().slice(-3000)}\n`);
    await controller?.stop();
    controller = undefined;
    for (const p of projects) p.cleanup();
    projects = [];
  });

  const sqliteHome = (): Project => {
    const p = initializedProject({ "m.yaml": MANIFESTS });
    projects.push(p);
    const applied = p.run(["apply", "-f", "m.yaml", "--no-daemon"]);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    return p;
  };

  /** What a user sees of the store, command by command. */
  const views = (p: Project, task: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const args of [
      ["get", "workflows", "-o", "yaml"],
      ["get", "agents", "-o", "yaml"],
      ["get", "workspaces", "-o", "json"],
      ["get", "workflowstores", "-o", "json"],
      ["get", "secretstores", "-o", "json"],
      ["task", "list", "-o", "json"],
      ["task", "logs", task],
      ["task", "info", task, "-o", "json"],
      ["store", "get", "notes", "greeting", "-o", "json"],
      ["store", "list", "-o", "json"],
      ["agent", "list", "-o", "json"],
      ["get", "triggers", "-o", "json"],
      ["source", "list", "-o", "json"],
      ["secret", "key", "list", "-o", "json"],
      ["manifest", "export", "--include-secrets"],
    ]) {
      const r = p.run(args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: "" });
      out[args.join(" ")] = r.stdout;
    }
    return out;
  };

  it("moves a home's whole store onto an empty database; every command shows the same, and controllers on it go on", async () => {
    const url = server.createDatabase();
    const p = sqliteHome();
    expect(p.run(["secret", "key", "rotate"]).code).toBe(0);
    const ran = p.run(["run", "--workflow", "hello"]);
    expect(ran.code).toBe(0);
    const task = (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout) as { items: Array<{ id: string }> }).items[0]!.id;
    expect(p.run(["agent", "cordon", "coder"]).code).toBe(0);
    expect(p.run(["trigger", "suspend", "nightly"]).code).toBe(0);
    const before = views(p, task);
    expect(before["task logs " + task]).toMatch(/hello from r-/);
    expect(before["manifest export --include-secrets"]).toContain(SECRET_VALUE);
    const eventsBefore = (JSON.parse(p.run(["event", "list", "--limit", "1000", "-o", "json"]).stdout) as { items: Array<{ id: number; type: string }> }).items;

    const moved = p.run(["db", "migrate", "--to", url]);
    expect(moved.stderr).toBe("");
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/^copied the SQLite store to postgres:\/\/orchestrator@127\.0\.0\.1:\d+\/\w+: \d+ resources, 1 task, 0 items, 1 run, \d+ events, /);
    expect(moved.stdout).toMatch(/1 workflow store entry, 1 agent state, 2 secret keys, 1 step log\n/);
    expect(moved.stdout).toContain("the SQLite store is kept as .orchestrator/state.db.migrated\n");
    expect(moved.stdout + moved.stderr).not.toContain(SECRET_VALUE);

    const home = join(p.dir, ".orchestrator");
    expect(existsSync(join(home, "state.db"))).toBe(false);
    // The SQLite store as it was, whole, under its new name.
    const kept = new Database(join(home, "state.db.migrated"), { readonly: true });
    try {
      expect(kept.prepare("SELECT count(*) FROM tasks").pluck().get()).toBe(1);
      expect(kept.prepare("SELECT count(*) FROM events").pluck().get()).toBe(eventsBefore.length);
    } finally {
      kept.close();
    }
    expect(statSync(join(home, "store-url")).mode & 0o777).toBe(0o600);
    expect(JSON.parse(p.run(["db", "status", "-o", "json"]).stdout)).toMatchObject({ journalMode: "postgresql" });

    // The same store, seen through every command.
    expect(views(p, task)).toEqual(before);
    // The history is the same, event ids included, with the move recorded last.
    const eventsAfter = (JSON.parse(p.run(["event", "list", "--limit", "1000", "-o", "json"]).stdout) as { items: Array<{ id: number; type: string; data: Record<string, unknown> }> }).items;
    expect(eventsAfter.slice(0, -1)).toEqual(eventsBefore);
    expect(eventsAfter.at(-1)).toMatchObject({ type: "store_migrated", data: { tables: { tasks: 1, runs: 1 }, logs: { files: 1 } } });

    // A second move is refused: the home is on PostgreSQL now.
    const again = p.run(["db", "migrate", "--to", server.createDatabase()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: this home's store is already the PostgreSQL database at postgres:\/\/orchestrator@127\.0\.0\.1:\d+\/\w+; db migrate moves a SQLite store \(state\.db\)\n$/);

    // A controller on the database runs new work; the cordoned agent stays cordoned.
    controller = await startController(p.dir, ["--workers", "1"]);
    const created = JSON.parse(p.run(["task", "create", "--workflow", "hello", "-o", "json"]).stdout) as { id: string };
    const phase = (): string | undefined => (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout) as { items: Array<{ id: string; phase: string }> }).items.find((t) => t.id === created.id)?.phase;
    await until("the new task to complete", () => phase() === "Completed", 120_000, () => phase() === "Failed" && "the task failed");
    expect(p.run(["task", "logs", created.id]).stdout).toMatch(/hello from r-/);
    expect(p.run(["task", "logs", task]).stdout).toBe(before["task logs " + task]);

    // Another host joins with the home's keys: the store knows them.
    const other = tempProject();
    projects.push(other);
    mkdirSync(join(other.dir, ".orchestrator"));
    copyFileSync(join(home, "secret.key"), join(other.dir, ".orchestrator", "secret.key"));
    chmodSync(join(other.dir, ".orchestrator", "secret.key"), 0o600);
    cpSync(join(home, "secret-keys"), join(other.dir, ".orchestrator", "secret-keys"), { recursive: true });
    const joined = cli(["init", "--store", url], { cwd: other.dir });
    expect(joined.stderr).toBe("");
    expect(joined.stdout).toMatch(/^store already initialized in \.orchestrator/);
    expect(cli(["manifest", "export", "--include-secrets"], { cwd: other.dir }).stdout).toBe(before["manifest export --include-secrets"]);
    expect(cli(["task", "logs", task], { cwd: other.dir }).stdout).toBe(before["task logs " + task]);
  }, 300_000);

  it("refuses a database that already holds a store, and a home whose controller or foreground task runs; nothing is written", async () => {
    const p = sqliteHome();
    const taken = server.createDatabase();
    const elsewhere = tempProject();
    projects.push(elsewhere);
    expect(cli(["init", "--store", taken], { cwd: elsewhere.dir }).code).toBe(0);
    const refused = p.run(["db", "migrate", "--to", taken]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: the database at postgres:\/\/orchestrator@127\.0\.0\.1:\d+\/\w+ already holds an orchestrator store \(resources: 1, events: 1\); give an empty database/);
    expect(existsSync(join(p.dir, ".orchestrator", "state.db"))).toBe(true);
    expect(existsSync(join(p.dir, ".orchestrator", "store-url"))).toBe(false);
    expect(p.run(["get", "workflows", "-o", "name"]).stdout).toBe("workflow/hello\nworkflow/slow\n");
    expect(cli(["get", "workflows", "-o", "name"], { cwd: elsewhere.dir }).stdout).toBe("");

    // init --store on this home says how to move it.
    const init = p.run(["init", "--store", taken]);
    expect(init.code).toBe(1);
    expect(init.stderr).toMatch(/already keeps its store in state\.db; to move it to postgres:\S+, run `orchestrator db migrate --to URL`/);

    const empty = server.createDatabase();
    // A task running in a foreground `orchestrator run` holds the move off.
    const fg = spawn(process.execPath, [CLI, "run", "--workflow", "slow"], { cwd: p.dir, env: { ...process.env, ORCHESTRATOR_NO_DAEMON: "1" }, stdio: "ignore" });
    const fgExit = new Promise((r) => fg.once("exit", r));
    await until("the foreground task to run", () => p.run(["task", "list", "-o", "json"]).stdout.includes('"phase": "Running"'), 60_000);
    const running = p.run(["db", "migrate", "--to", empty]);
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(/^error: a task is running on this home: t-\w+ \(slow-\w+, process \d+\); let it finish or stop it \(`orchestrator task pause`\), then run db migrate again; nothing was copied\n$/);
    p.write("release", "");
    await fgExit;

    controller = await startController(p.dir, ["--workers", "1"]);
    const busy = p.run(["db", "migrate", "--to", empty]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/^error: a controller is running on this home \(pid \d+ on \S+, since \S+\); stop it first \(`orchestrator controller stop`\), then run db migrate again; nothing was copied\n$/);
    expect(existsSync(join(p.dir, ".orchestrator", "store-url"))).toBe(false);
    await controller.stop();
    controller = undefined;

    // A value PostgreSQL cannot hold (text with a NUL byte, outside the messages that keep it as \0) is refused before
    // anything is copied, naming the row: the database is left empty, the home on state.db.
    const db = new Database(join(p.dir, ".orchestrator", "state.db"));
    db.prepare("UPDATE resources SET description = ? WHERE kind = 'Workflow' AND name = 'hello'").run("says\u0000hello");
    const failed = p.run(["db", "migrate", "--to", empty]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /^error: copying the store into postgres:\S+ failed: table resources, row project "default", kind "Workflow", name "hello": column description holds a NUL byte \(\\0\), which PostgreSQL text cannot store; .*; nothing was written there, and this home still uses state\.db\n$/,
    );
    expect(existsSync(join(p.dir, ".orchestrator", "store-url"))).toBe(false);
    db.prepare("UPDATE resources SET description = NULL WHERE kind = 'Workflow' AND name = 'hello'").run();
    db.close();

    // Nothing reached the database: a move onto it now finds it empty.
    const moved = p.run(["db", "migrate", "--to", empty]);
    expect(moved.stderr).toBe("");
    expect(moved.code).toBe(0);

    const noUrl = p.run(["db", "migrate"]);
    expect(noUrl.code).not.toBe(0);
    expect(noUrl.stderr).toMatch(/--to <url>/);
  }, 300_000);
});
