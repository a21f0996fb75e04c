/**
 * Copying a SQLite store into PostgreSQL (what `db migrate` does), on a real
 * server: every table of the SQLite store is either copied or deliberately
 * left (a new table fails here until it is one or the other), every copied
 * table holds the same rows afterwards (ids and insertion order kept), the
 * PostgreSQL store reads them back as the SQLite one does and goes on
 * numbering after them, step logs land in `log_chunks`, a database that
 * holds anything is refused with nothing written, and a dry run counts the
 * same and leaves the database as it was.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initHome } from "../../../src/store/home.js";
import { PgConnection } from "../../../src/store/postgres/bridge.js";
import { COPIED_TABLES, copySqliteToPg, NOT_COPIED, NulInTextError, sqliteTables, TargetNotEmptyError, unknownTables } from "../../../src/store/postgres/copy-from-sqlite.js";
import { openPgStore } from "../../../src/store/postgres/open.js";
import { openSqliteStore } from "../../../src/store/sqlite/open.js";
import { sourceStoreOf } from "../../../src/store/source-store.js";
import { stepLogStoreOf } from "../../../src/store/step-log-store.js";
import { openTaskStore } from "../../../src/store/task-store.js";
import { openWorkflowStoreEntries } from "../../../src/store/workflow-store-entries.js";
import { postgresUnavailable, startPostgres, type PostgresServer } from "../../support/postgres.js";
import { removeTempDirs, tempDir, write } from "../helpers.js";

const COPY = { label: "test", extraMeta: { secret_key_check: "check" }, event: { message: "copied", actor: "test" } };

/** A SQLite store with rows in every table. */
function populated() {
  const root = tempDir();
  const { home } = initHome(root, {});
  const store = openSqliteStore(home);
  store.commit(
    [
      { op: "create", resource: write("Agent", "coder", { command: "echo hi" }) },
      { op: "create", resource: write("SecretStore", "api", { data: { TOKEN: "tok-copy-4471" } }) },
      { op: "create", resource: write("Workflow", "qa", { steps: [{ id: "qa", command: "true" }] }, { project: "team" }) },
    ],
    "tester",
  );
  store.setStatus({ project: "default", kind: "Agent", name: "coder" }, { ready: true });
  store.setMeta("triggers.state_version", "3");
  store.setMeta("controller.http:host:/x", '{"url":"http://127.0.0.1:1"}');
  const tasks = openTaskStore(store);
  const t = tasks.createTask({ name: "one", project: "default", origin: "cli", workflow: "qa", workspace: "w", goal: "g", spec: { steps: ["qa"], vars: {}, targetFiles: [] }, queued: true });
  const items = tasks.createItems(t.id, [{ path: "b.md" }, { path: "a.md", vars: { x: 1 } }]);
  const log = join(root, "run.log");
  writeFileSync(log, Buffer.concat([Buffer.from("line one\n"), Buffer.alloc(300 * 1024, "x"), Buffer.from("\nlast\n")]));
  const r1 = tasks.createRun({ taskId: t.id, itemId: items[0]!.id, stepId: "qa", cycle: 1, agent: "coder", command: "true", logPath: log });
  tasks.finishRun(r1.id, { status: "succeeded", exitCode: 0, output: { ok: true } });
  const r2 = tasks.createRun({ taskId: t.id, itemId: items[1]!.id, stepId: "qa", cycle: 1, agent: null, command: "true", logPath: join(root, "gone.log") });
  tasks.finishRun(r2.id, { status: "failed", exitCode: 1 });
  tasks.setAgentState({ project: "default", name: "coder" }, "cordoned", "alice");
  const sources = sourceStoreOf(store);
  sources.addSource({ name: "repo", type: "dir", dir: "manifests", intervalMs: 60_000, project: "default", prune: true });
  sources.updateInventory("repo", { upsert: [{ project: "default", kind: "Agent", name: "coder", hash: "h1", adopted: true }], remove: [] });
  sources.requestReconcile("repo");
  const entries = openWorkflowStoreEntries(store);
  for (const k of ["z", "a", "m"]) entries.putEntry("default", "notes", k, { k }, { taskId: t.id });
  const now = new Date().toISOString();
  store.recordTriggerDelivery({ project: "default", trigger: "push", deliveryId: "d-1", receivedAt: now, outcome: "fired", taskId: t.id }, "2000-01-01T00:00:00.000Z");
  return { home, store, runs: [r1.id, r2.id], log };
}

afterAll(removeTempDirs);

describe("the tables of the SQLite store", () => {
  it("are each copied or knowingly left out", () => {
    const { store, home } = populated();
    store.close();
    const db = new Database(home.dbPath, { readonly: true });
    try {
      expect(unknownTables(db)).toEqual([]);
      expect(sqliteTables(db).sort()).toEqual([...COPIED_TABLES.map((t) => t.table), ...Object.keys(NOT_COPIED)].sort());
    } finally {
      db.close();
    }
  });
});

describe.skipIf(postgresUnavailable !== undefined)("copying a SQLite store into PostgreSQL", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it("copies every table row for row, and the PostgreSQL store reads them back as the SQLite one does", () => {
    const { home, store, runs, log } = populated();
    const url = server.createDatabase();
    const source = new Database(home.dbPath, { readonly: true });
    const pg = PgConnection.open(url);
    let counts;
    try {
      counts = copySqliteToPg(source, pg, { ...COPY, root: home.root });
      for (const t of COPIED_TABLES) {
        const columns = (source.prepare("SELECT name FROM pragma_table_info(?)").pluck().all(t.table) as string[]).map((c) => `"${c}"`).join(", ");
        // Insertion order where PostgreSQL keeps it (seq), else the table's own key.
        const seq = ["items", "runs", "workflow_store_entries"].includes(t.table);
        const [pgOrder, sqliteOrder] = t.order !== "rowid" ? [t.order, t.order] : seq ? ["seq", "rowid"] : ["1", "1"];
        // The copy records itself last in the history.
        const theirs = pg.all(`SELECT ${columns} FROM "${t.table}"${t.table === "events" ? " WHERE type <> 'store_migrated'" : ""} ORDER BY ${pgOrder}`);
        const ours = source.prepare(`SELECT ${columns} FROM "${t.table}" ORDER BY ${sqliteOrder}`).all();
        expect({ table: t.table, rows: theirs }).toEqual({ table: t.table, rows: ours });
        expect(counts.tables[t.table]).toBe(ours.length);
      }
      expect(counts.logs).toEqual({ files: 1, bytes: 300 * 1024 + 15, missing: 1 });
      // Meta: copied without the SQLite store's controller records, with the key check added.
      expect(pg.value("SELECT value FROM meta WHERE key = 'triggers.state_version'")).toBe("3");
      expect(pg.value("SELECT value FROM meta WHERE key = 'resources_version'")).toBe(source.prepare("SELECT value FROM meta WHERE key = 'resources_version'").pluck().get());
      expect(pg.value("SELECT count(*) FROM meta WHERE key LIKE 'controller.%'")).toBe(0);
      expect(pg.value("SELECT value FROM meta WHERE key = 'secret_key_check'")).toBe("check");
    } finally {
      source.close();
      pg.close();
    }

    const copy = openPgStore(url, home);
    try {
      expect(copy.listResources({ allProjects: true })).toEqual(store.listResources({ allProjects: true }));
      const events = store.listEvents();
      expect(copy.listEvents().slice(0, -1)).toEqual(events);
      expect(copy.listEvents().at(-1)).toMatchObject({ type: "store_migrated", message: "copied", actor: "test" });
      const [a, b] = [openTaskStore(store), openTaskStore(copy)];
      expect(b.listTasks()).toEqual(a.listTasks());
      const id = a.listTasks()[0]!.id;
      expect(b.listItems(id)).toEqual(a.listItems(id));
      expect(b.listRuns(id)).toEqual(a.listRuns(id));
      expect(b.listAgentStates()).toEqual(a.listAgentStates());
      expect(sourceStoreOf(copy).listSources()).toEqual(sourceStoreOf(store).listSources());
      expect(sourceStoreOf(copy).getInventory("repo")).toEqual(sourceStoreOf(store).getInventory("repo"));
      expect(openWorkflowStoreEntries(copy).listEntries("default", "notes")).toEqual(openWorkflowStoreEntries(store).listEntries("default", "notes"));
      const delivery = { project: "default", trigger: "push", deliveryId: "d-1" };
      expect(copy.getTriggerDelivery(delivery, "2000-01-01T00:00:00.000Z")).toEqual(store.getTriggerDelivery(delivery, "2000-01-01T00:00:00.000Z"));
      expect(copy.secretKeys().listKeys()).toEqual(store.secretKeys().listKeys());
      // The secret opens with this home's key, as before.
      expect(copy.getResource({ project: "default", kind: "SecretStore", name: "api" })?.spec).toEqual({ data: { TOKEN: "tok-copy-4471" } });
      // The log, byte for byte, from the store.
      const logs = stepLogStoreOf(copy)!;
      const size = logs.logSize(runs[0]!);
      expect(logs.readLog(runs[0]!, 0, size).equals(readFileSync(log))).toBe(true);
      expect(logs.logSize(runs[1]!)).toBe(0);

      // Numbering goes on after the copied rows; the trigger-kept count counts them.
      copy.appendEvent({ type: "task_recovered", message: "after" });
      expect(copy.listEvents().at(-1)!.id).toBe(events.at(-1)!.id + 2);
      expect(openWorkflowStoreEntries(copy).putEntry("default", "notes", "new", 1, { retention: { maxEntries: 3 } }).pruned).toBe(1);
      expect(sourceStoreOf(copy).requestReconcile(null)).toBe(2);
      const more = b.createItems(id, [{ path: "c.md" }]);
      expect(b.listItems(id).map((i) => i.id)).toEqual([...a.listItems(id).map((i) => i.id), more[0]!.id]);
    } finally {
      copy.close();
      store.close();
    }
  });

  it("as a dry run counts what the copy would, then rolls it all back: no relation is left, a schema-only database keeps only its schema, a store is refused", () => {
    const { home, store } = populated();
    store.close();
    const source = new Database(home.dbPath, { readonly: true });
    // Every relation outside PostgreSQL's own schemas: tables, sequences, indexes, views.
    const relations = (pg: PgConnection): string[] =>
      pg.column("SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1");
    const url = server.createDatabase();
    const pg = PgConnection.open(url);
    try {
      const dry = copySqliteToPg(source, pg, { ...COPY, root: home.root, dryRun: true });
      expect(relations(pg)).toEqual([]);
      expect(dry.tables.trigger_deliveries).toBe(1);
      // Logs are measured, not sent: the same figures as a copy's.
      expect(dry.logs).toEqual({ files: 1, bytes: 300 * 1024 + 15, missing: 1 });
      // The database was left empty, and the copy counts the same.
      const real = copySqliteToPg(source, pg, { ...COPY, root: home.root });
      expect(dry).toEqual(real);
      const events = pg.value<number>("SELECT count(*) FROM events");
      // Now it holds a store: refused as the copy refuses it, and left as it is.
      expect(() => copySqliteToPg(source, pg, { ...COPY, root: home.root, dryRun: true })).toThrow(TargetNotEmptyError);
      expect(pg.value("SELECT count(*) FROM events")).toBe(events);
    } finally {
      pg.close();
    }

    // Only the schema: a dry run's rows and meta are rolled back, the schema and its seeded keyring stay.
    const schemaOnly = server.createDatabase();
    openPgStore(schemaOnly, initHome(tempDir(), {}).home).close();
    const other = PgConnection.open(schemaOnly);
    try {
      const seen = (): unknown => ({
        relations: relations(other),
        migrations: other.column("SELECT version FROM schema_migrations ORDER BY 1"),
        meta: other.all("SELECT key, value FROM meta ORDER BY key"),
        keys: other.all("SELECT * FROM secret_keys ORDER BY id"),
        events: other.value("SELECT count(*) FROM events"),
        resources: other.value("SELECT count(*) FROM resources"),
      });
      const before = seen();
      expect(copySqliteToPg(source, other, { ...COPY, root: home.root, dryRun: true }).tables.resources).toBe(4);
      expect(seen()).toEqual(before);
    } finally {
      other.close();
      source.close();
    }
  });

  it("refuses a database that holds a store or other tables, and writes nothing", () => {
    const { home, store } = populated();
    store.close();
    const source = new Database(home.dbPath, { readonly: true });
    try {
      // Only the schema (any command run on the database makes it): empty, so taken.
      const schemaOnly = server.createDatabase();
      openPgStore(schemaOnly, initHome(tempDir(), {}).home).close();
      const pg = PgConnection.open(schemaOnly);
      expect(copySqliteToPg(source, pg, { ...COPY, root: home.root }).tables["resources"]).toBe(4);

      // Now it holds a store: refused, and what it holds is unchanged.
      const events = pg.value<number>("SELECT count(*) FROM events");
      expect(() => copySqliteToPg(source, pg, { ...COPY, root: home.root })).toThrow(TargetNotEmptyError);
      expect(() => copySqliteToPg(source, pg, { ...COPY, root: home.root })).toThrow(/already holds an orchestrator store \(resources: 4, events: \d+, tasks: 1, items: 2, runs: 2, source inventory: 1, reconcile requests: 1, agent states: 1, workflow store entries: 3, trigger deliveries: 1, log chunks: 2\)/);
      expect(pg.value("SELECT count(*) FROM events")).toBe(events);
      pg.close();

      // Another application's tables: refused before any of ours is made.
      const foreign = server.createDatabase();
      const other = PgConnection.open(foreign);
      other.exec("CREATE TABLE invoices (id int)");
      expect(() => copySqliteToPg(source, other, { ...COPY, root: home.root })).toThrow(/is not empty: it holds tables of something else \(invoices\); give an empty database/);
      expect(other.column("SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND relkind = 'r'")).toEqual(["invoices"]);
      other.close();
    } finally {
      source.close();
    }
  });

  it("copies a NUL an older version left in a message as \\0, as both stores now keep it; a NUL in any other text stops the copy before anything is written, naming the row", () => {
    const { home, store } = populated();
    const taskId = openTaskStore(store).listTasks()[0]!.id;
    const runId = openTaskStore(store).listRuns(taskId)[1]!.id;
    store.close();
    const db = new Database(home.dbPath);
    db.prepare("UPDATE tasks SET message = ? WHERE id = ?").run("stopped: a\u0000b", taskId);
    db.prepare("UPDATE runs SET reason = ? WHERE id = ?").run("guard: x\u0000y", runId);
    db.prepare("UPDATE events SET message = ? WHERE id = 1").run("m\u0000n");
    db.close();

    let source = new Database(home.dbPath, { readonly: true });
    const url = server.createDatabase();
    let pg = PgConnection.open(url);
    try {
      copySqliteToPg(source, pg, { ...COPY, root: home.root });
      expect(pg.value("SELECT message FROM tasks WHERE id = $1", [taskId])).toBe("stopped: a\\0b");
      expect(pg.value("SELECT reason FROM runs WHERE id = $1", [runId])).toBe("guard: x\\0y");
      expect(pg.value("SELECT message FROM events WHERE id = 1")).toBe("m\\0n");
    } finally {
      source.close();
      pg.close();
    }

    // A NUL in a resource's description (an older version took it from a manifest): refused, the row named, nothing written.
    const rw = new Database(home.dbPath);
    rw.prepare("UPDATE resources SET description = ? WHERE kind = 'Agent' AND name = 'coder'").run("the\u0000coder");
    rw.close();
    source = new Database(home.dbPath, { readonly: true });
    const empty = server.createDatabase();
    pg = PgConnection.open(empty);
    try {
      const copy = () => copySqliteToPg(source, pg, { ...COPY, root: home.root });
      expect(copy).toThrow(NulInTextError);
      expect(copy).toThrow('table resources, row project "default", kind "Agent", name "coder": column description holds a NUL byte (\\0), which PostgreSQL text cannot store');
      expect(pg.column("SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND relkind = 'r'")).toEqual([]);
    } finally {
      source.close();
      pg.close();
    }
  });
});
