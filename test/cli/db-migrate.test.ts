/**
 * `orchestrator db migrate --to postgres://...` through the built CLI, on a
 * real PostgreSQL server: a single-host home with resources, a rotated
 * secret key, a finished task, a workflow store entry, a cordoned agent and
 * a trigger's suspension is moved onto an empty database; afterwards `get`,
 * `task list`, `task logs`, `store get`, `event list` and secrets read the
 * same, a controller on the database runs new work, and another home given
 * the key joins the store. Refused, with nothing written: a database that
 * already holds a store, a home whose controller is running or whose task
 * runs in a foreground `run`, a home already on PostgreSQL. The summary
 * counts every table copied (trigger deliveries among them) and `-o json`
 * gives the same counts; `--dry-run` prints them too, leaves the database
 * without a table and the home as it was, and fails as the move would.
 */
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import Database from "better-sqlite3";
import { CLI, cli, initializedProject, tempProject } from "../support/cli.js";
import { startController, tail, taskPhases, until, type RunningController } from "../support/controller.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../support/postgres.js";
import { PgConnection } from "../../src/store/postgres/bridge.js";
import { migrate } from "../../src/store/sqlite/migrate.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations.js";

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

/** Every relation (table, sequence, index, view) in the database outside PostgreSQL's own schemas. */
function relations(url: string): string[] {
  const pg = PgConnection.open(url);
  try {
    return pg.column<string>(
      "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1",
    );
  } finally {
    pg.close();
  }
}

/** The home as a person or a command would find it: its files (SQLite's transient -wal/-shm aside) and every row of state.db. */
function homeState(dir: string): { files: string[]; rows: Record<string, unknown[]> } {
  const home = join(dir, ".orchestrator");
  const files = readdirSync(home, { recursive: true, encoding: "utf8" }).filter((f) => !/-(wal|shm)$/.test(f)).sort();
  const db = new Database(join(home, "state.db"), { readonly: true });
  try {
    const rows: Record<string, unknown[]> = {};
    for (const t of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]) rows[t] = (db.prepare(`SELECT * FROM "${t}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
    rows["user_version"] = [db.pragma("user_version", { simple: true })];
    return { files, rows };
  } finally {
    db.close();
  }
}

interface MigrateJson {
  apiVersion: string;
  kind: string;
  dryRun: boolean;
  store: string;
  copied: Record<string, number>;
  meta: number;
  logs: { files: number; bytes: number; missing: number };
  sqliteKeptAs?: string;
}

/** The summary's counts, part by part ("12 resources" and so on), from its first line. */
const summaryParts = (stdout: string): string[] => stdout.split("\n")[0]!.replace(/^.*?: (?=\d)/, "").split(", ");

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

  /** Runs the move, then its dry run: both refused, alike. Returns the move's result. */
  const refusedAlike = (p: Project, url: string): ReturnType<Project["run"]> => {
    const dry = p.run(["db", "migrate", "--to", url, "--dry-run"]);
    const real = p.run(["db", "migrate", "--to", url]);
    expect(real.code).toBe(1);
    expect({ code: dry.code, stderr: dry.stderr, stdout: dry.stdout }).toEqual({ code: real.code, stderr: real.stderr, stdout: "" });
    return real;
  };

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
    expect(moved.stdout).toMatch(/1 workflow store entry, 1 agent state, 0 trigger deliveries, 2 secret keys, \d+ secret key history entries, \d+ meta keys, 1 step log \(\d+ bytes\)\n/);
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
    await until("the new task to complete", () => phase() === "Completed", 120_000, () => phase() === "Failed" && "the task failed", () => `tasks: ${taskPhases(p)}; controller log: ${tail(controller!.log())}`);
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

  it("counts every table it copies, trigger deliveries among them, in text and JSON; --dry-run prints the same counts, writes nothing, and the move then goes ahead", async () => {
    const p = initializedProject({
      "m.yaml": MANIFESTS + "---\n" + doc("Trigger", "push", "  suspend: true\n  event:\n    source: webhook\n  action:\n    workflow: hello\n    workspace: w\n"),
    });
    projects.push(p);
    expect(p.run(["apply", "-f", "m.yaml", "--no-daemon"]).code).toBe(0);
    // Two deliveries the (suspended) webhook trigger took: each is remembered by its id in trigger_deliveries.
    controller = await startController(p.dir, ["--workers", "1"]);
    const hook = `${await controller.url()}/webhooks/push`;
    for (const id of ["5e1a-0001", "5e1a-0002"]) {
      const res = await fetch(hook, { method: "POST", body: "{}", headers: { "content-type": "application/json", "X-GitHub-Delivery": id } });
      expect(await res.json()).toMatchObject({ fired: false, reason: "suspended" });
    }
    await controller.stop();
    controller = undefined;
    const sqlite = new Database(join(p.dir, ".orchestrator", "state.db"), { readonly: true });
    expect(sqlite.prepare("SELECT count(*) FROM trigger_deliveries").pluck().get()).toBe(2);
    sqlite.close();

    const url = server.createDatabase();
    const before = homeState(p.dir);

    const dry = p.run(["db", "migrate", "--to", url, "--dry-run"]);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^dry run: would copy the SQLite store to postgres:\/\/orchestrator@127\.0\.0\.1:\d+\/\w+: \d+ resources, 0 tasks, /);
    expect(dry.stdout).toContain(", 2 trigger deliveries, ");
    // Every line says it is a dry run.
    expect(dry.stdout.trimEnd().split("\n").every((l) => l.startsWith("dry run: "))).toBe(true);
    expect(dry.stdout).toMatch(/\ndry run: every check passed and nothing was written: .* this home still uses state\.db; run again without --dry-run to move it\n$/);
    // kubectl's spelling for a dry run the server takes part in: the same; the client-only one is not offered.
    expect(p.run(["db", "migrate", "--to", url, "--dry-run=server"]).stdout).toBe(dry.stdout);
    const client = p.run(["db", "migrate", "--to", url, "--dry-run=client"]);
    expect(client.code).toBe(2);
    expect(client.stderr).toMatch(/^error: --dry-run=client is not offered for db migrate: its checks need the database/);

    const dryJson = p.run(["db", "migrate", "--to", url, "--dry-run", "-o", "json"]);
    expect(dryJson.stderr).toBe("");
    const counted = JSON.parse(dryJson.stdout) as MigrateJson;
    expect(counted).toMatchObject({ kind: "MigrateResult", dryRun: true, copied: { trigger_deliveries: 2, tasks: 0 } });
    expect(counted.sqliteKeptAs).toBeUndefined();
    // The text counts each table the JSON does, and the meta keys and step logs: no count left out, none different.
    const parts = summaryParts(dry.stdout);
    expect(parts).toHaveLength(Object.keys(counted.copied).length + 2);
    expect(parts).toContain(`${counted.copied["events"]} events`);
    expect(parts).toContain(`${counted.copied["resources"]} resources`);
    expect(parts).toContain(`${counted.meta} meta keys`);
    expect(parts).toContain(`0 step logs (0 bytes)`);

    // Nothing was written: no table (nor schema) in the database, the home as it was.
    expect(relations(url)).toEqual([]);
    expect(homeState(p.dir)).toEqual(before);
    expect(existsSync(join(p.dir, ".orchestrator", "store-url"))).toBe(false);
    expect(existsSync(join(p.dir, ".orchestrator", "state.db.migrated"))).toBe(false);
    expect(JSON.parse(p.run(["db", "status", "-o", "json"]).stdout)).not.toMatchObject({ journalMode: "postgresql" });

    // The move itself: the same counts, now copied.
    const moved = p.run(["db", "migrate", "--to", url]);
    expect(moved.stderr).toBe("");
    expect(moved.code).toBe(0);
    expect(moved.stdout.split("\n")[0]).toBe(dry.stdout.split("\n")[0]!.replace(/^dry run: would copy /, "copied "));
    expect(relations(url)).toContain("trigger_deliveries");
    const pg = PgConnection.open(url);
    try {
      expect(pg.column("SELECT delivery_id FROM trigger_deliveries ORDER BY delivery_id")).toEqual(["5e1a-0001", "5e1a-0002"]);
    } finally {
      pg.close();
    }
    const last = (JSON.parse(p.run(["event", "list", "--type", "store_migrated", "-o", "json"]).stdout) as { items: Array<{ data: { tables: Record<string, number> } }> }).items;
    expect(last.map((e) => e.data.tables)).toEqual([counted.copied]);

    // Now on PostgreSQL: a dry run is refused as the move is.
    const again = p.run(["db", "migrate", "--to", server.createDatabase()]);
    const dryAgain = p.run(["db", "migrate", "--to", server.createDatabase(), "--dry-run"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: this home's store is already the PostgreSQL database at /);
    expect({ code: dryAgain.code, stderr: dryAgain.stderr, stdout: dryAgain.stdout }).toEqual({ code: again.code, stderr: again.stderr, stdout: "" });
  }, 300_000);

  it("--dry-run on a state.db an older version left counts it as the move would (brought up to date), and leaves its schema as it was", () => {
    const p = initializedProject();
    projects.push(p);
    // The store as a version from before sources were resources left it, with one source.
    const path = join(p.dir, ".orchestrator", "state.db");
    for (const f of ["state.db", "state.db-wal", "state.db-shm"]) rmSync(join(p.dir, ".orchestrator", f), { force: true });
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    const m = MIGRATIONS.find((x) => x.name === "source-resources")!;
    migrate(db, path, MIGRATIONS.filter((x) => x.version < m.version));
    db.prepare(
      "INSERT INTO sources (name, type, dir, url, ref, path, interval_ms, project, prune, status, created_at, updated_at) VALUES ('repo', 'dir', 'manifests', NULL, NULL, NULL, 60000, 'default', 1, '{}', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')",
    ).run();
    db.close();
    const before = homeState(p.dir);

    const url = server.createDatabase();
    const dry = p.run(["db", "migrate", "--to", url, "--dry-run"]);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    // The source, a Source resource once the schema is brought up to date.
    expect(dry.stdout).toMatch(/^dry run: would copy the SQLite store to \S+: 1 resource, /);
    expect(homeState(p.dir)).toEqual(before);
    expect(before.rows["user_version"]).toEqual([m.version - 1]);
    expect(relations(url)).toEqual([]);

    const moved = p.run(["db", "migrate", "--to", url]);
    expect(moved.code).toBe(0);
    expect(moved.stdout.split("\n")[0]).toBe(dry.stdout.split("\n")[0]!.replace(/^dry run: would copy /, "copied "));
    expect(p.run(["get", "source", "repo", "-o", "jsonpath={.spec.dir}"]).stdout).toBe("manifests");
  }, 120_000);

  it("refuses a database that already holds a store, and a home whose controller or foreground task runs; nothing is written", async () => {
    const p = sqliteHome();
    const taken = server.createDatabase();
    const elsewhere = tempProject();
    projects.push(elsewhere);
    expect(cli(["init", "--store", taken], { cwd: elsewhere.dir }).code).toBe(0);
    const tablesTaken = relations(taken);
    const refused = refusedAlike(p, taken);
    expect(relations(taken)).toEqual(tablesTaken);
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
    await until("the foreground task to run", () => p.run(["task", "list", "-o", "json"]).stdout.includes('"phase": "Running"'), 60_000, undefined, () => `run ${fg.exitCode === null ? "running" : `exited ${fg.exitCode}`}; tasks: ${taskPhases(p)}`);
    const running = refusedAlike(p, empty);
    expect(running.stderr).toMatch(/^error: a task is running on this home: t-\w+ \(slow-\w+, process \d+\); let it finish or stop it \(`orchestrator task pause`\), then run db migrate again; nothing was copied\n$/);
    p.write("release", "");
    await fgExit;

    controller = await startController(p.dir, ["--workers", "1"]);
    const busy = refusedAlike(p, empty);
    expect(busy.stderr).toMatch(/^error: a controller is running on this home \(pid \d+ on \S+, since \S+\); stop it first \(`orchestrator controller stop`\), then run db migrate again; nothing was copied\n$/);
    expect(existsSync(join(p.dir, ".orchestrator", "store-url"))).toBe(false);
    await controller.stop();
    controller = undefined;

    // A value PostgreSQL cannot hold (text with a NUL byte, outside the messages that keep it as \0) is refused before
    // anything is copied, naming the row: the database is left empty, the home on state.db.
    const db = new Database(join(p.dir, ".orchestrator", "state.db"));
    db.prepare("UPDATE resources SET description = ? WHERE kind = 'Workflow' AND name = 'hello'").run("says\u0000hello");
    const failed = refusedAlike(p, empty);
    expect(failed.stderr).toMatch(
      /^error: copying the store into postgres:\S+ failed: table resources, row project "default", kind "Workflow", name "hello": column description holds a NUL byte \(\\0\), which PostgreSQL text cannot store; .*; nothing was written there, and this home still uses state\.db\n$/,
    );
    expect(existsSync(join(p.dir, ".orchestrator", "store-url"))).toBe(false);
    db.prepare("UPDATE resources SET description = NULL WHERE kind = 'Workflow' AND name = 'hello'").run();
    db.close();

    // Nothing reached the database: a move onto it now finds it empty, and copies what its dry run counted.
    expect(relations(empty)).toEqual([]);
    const dry = p.run(["db", "migrate", "--to", empty, "--dry-run", "-o", "json"]);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    const moved = p.run(["db", "migrate", "--to", empty, "-o", "json"]);
    expect(moved.stderr).toBe("");
    expect(moved.code).toBe(0);
    const [would, did] = [JSON.parse(dry.stdout) as MigrateJson, JSON.parse(moved.stdout) as MigrateJson];
    expect(did).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "MigrateResult", dryRun: false, sqliteKeptAs: ".orchestrator/state.db.migrated" });
    expect(did.copied["tasks"]).toBe(1);
    expect({ ...did, dryRun: true, sqliteKeptAs: undefined }).toEqual({ ...would, sqliteKeptAs: undefined });

    const noUrl = p.run(["db", "migrate"]);
    expect(noUrl.code).not.toBe(0);
    expect(noUrl.stderr).toMatch(/--to <url>/);
  }, 300_000);
});
