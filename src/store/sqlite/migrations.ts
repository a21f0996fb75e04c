/**
 * @module The schema, as an ordered list of named migrations. Later work
 * appends entries (tasks, items, runs, sources, inventory, kv stores); an
 * applied entry is never edited.
 */
import type { Database } from "better-sqlite3";
import { AGENT_STATES_MIGRATION_SQL } from "./agent-state.js";
import { SECRET_KEYS_MIGRATION_NAME, SECRET_KEYS_MIGRATION_SQL } from "./secret-keys.js";
import { CLUSTER_WIDE_MIGRATION_NAME, moveClusterWideKinds } from "./cluster-wide-migration.js";
import { SOURCE_RESOURCES_MIGRATION_NAME, sourcesToResources } from "./source-resource-migration.js";
import { INVENTORY_OWNERSHIP_MIGRATION_NAME, INVENTORY_OWNERSHIP_MIGRATION_SQL, SOURCES_MIGRATION_NAME, SOURCES_MIGRATION_SQL } from "./source-migration.js";

export interface Migration {
  version: number;
  name: string;
  /** SQL run as one script, or a function for steps SQL alone cannot express. */
  up: string | ((db: Database) => void);
}

/**
 * Webhook deliveries a trigger fired or skipped for, by the id their sender
 * gave them: the primary key makes a redelivery's record fail, so it
 * creates nothing. Shared with the PostgreSQL schema.
 */
export const TRIGGER_DELIVERIES_SQL = `
  CREATE TABLE trigger_deliveries (
    project      TEXT NOT NULL,
    trigger_name TEXT NOT NULL,
    delivery_id  TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    task_id      TEXT,
    PRIMARY KEY (project, trigger_name, delivery_id)
  );
  CREATE INDEX trigger_deliveries_received ON trigger_deliveries (received_at);
`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "meta",
    up: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      INSERT INTO meta (key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
    `,
  },
  {
    version: 2,
    name: "resources",
    // Rowid table rather than WITHOUT ROWID: specs can be large, and SQLite
    // advises rowid tables for rows bigger than a small fraction of a page.
    up: `
      CREATE TABLE resources (
        id            INTEGER PRIMARY KEY,
        project       TEXT NOT NULL,
        kind          TEXT NOT NULL,
        name          TEXT NOT NULL,
        api_version   TEXT NOT NULL,
        spec          TEXT NOT NULL,
        labels        TEXT,
        annotations   TEXT,
        description   TEXT,
        status        TEXT,
        generation    INTEGER NOT NULL DEFAULT 1,
        hash          TEXT NOT NULL,
        applied_by    TEXT NOT NULL,
        origin_file   TEXT,
        origin_line   INTEGER,
        origin_commit TEXT,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );
      CREATE UNIQUE INDEX resources_key ON resources (project, kind, name);
      CREATE INDEX resources_kind ON resources (kind, project, name);
    `,
  },
  {
    version: 3,
    name: "events",
    up: `
      CREATE TABLE events (
        id      INTEGER PRIMARY KEY,
        ts      TEXT NOT NULL,
        type    TEXT NOT NULL,
        project TEXT,
        kind    TEXT,
        name    TEXT,
        message TEXT NOT NULL,
        actor   TEXT,
        task_id TEXT,
        run_id  TEXT,
        data    TEXT
      );
      CREATE INDEX events_task ON events (task_id);
      CREATE INDEX events_resource ON events (project, kind, name);
      CREATE INDEX events_type ON events (type);
    `,
  },
  {
    version: 4,
    name: "tasks",
    // No foreign keys (the connection does not enable them): deleteTasks
    // removes items and runs itself, and events outlive their tasks on purpose.
    // The partial queue index keeps the claim query off finished tasks.
    up: `
      CREATE TABLE tasks (
        id                  TEXT PRIMARY KEY,
        name                TEXT NOT NULL,
        project             TEXT NOT NULL,
        origin              TEXT NOT NULL,
        resource_kind       TEXT,
        resource_name       TEXT,
        resource_generation INTEGER,
        workflow            TEXT,
        workspace           TEXT,
        goal                TEXT NOT NULL,
        spec                TEXT NOT NULL,
        phase               TEXT NOT NULL,
        queued              INTEGER NOT NULL,
        claimed_by          TEXT,
        cycle               INTEGER NOT NULL DEFAULT 0,
        state               TEXT NOT NULL,
        exit_code           INTEGER,
        message             TEXT,
        created_at          TEXT NOT NULL,
        started_at          TEXT,
        finished_at         TEXT,
        updated_at          TEXT NOT NULL
      );
      CREATE INDEX tasks_queue ON tasks (created_at, id) WHERE queued = 1;
      CREATE INDEX tasks_project_phase ON tasks (project, phase, created_at);
      CREATE INDEX tasks_name ON tasks (name);
      CREATE INDEX tasks_resource ON tasks (project, resource_kind, resource_name);
      CREATE INDEX tasks_claimed ON tasks (claimed_by) WHERE claimed_by IS NOT NULL AND finished_at IS NULL;

      CREATE TABLE items (
        id         TEXT PRIMARY KEY,
        task_id    TEXT NOT NULL,
        path       TEXT NOT NULL,
        status     TEXT NOT NULL,
        vars       TEXT NOT NULL,
        failures   INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX items_task ON items (task_id);

      CREATE TABLE runs (
        id          TEXT PRIMARY KEY,
        task_id     TEXT NOT NULL,
        item_id     TEXT,
        step_id     TEXT NOT NULL,
        cycle       INTEGER NOT NULL,
        agent       TEXT,
        command     TEXT,
        status      TEXT NOT NULL,
        exit_code   INTEGER,
        reason      TEXT,
        log_path    TEXT,
        pid         INTEGER,
        pgid        INTEGER,
        output      TEXT,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        duration_ms INTEGER
      );
      CREATE INDEX runs_task ON runs (task_id);
      CREATE INDEX runs_unfinished ON runs (task_id) WHERE finished_at IS NULL;
    `,
  },
  {
    version: 5,
    name: "tasks-by-creation",
    // `task list` and `latestTask` walk tasks in creation order; without this
    // they sort the whole table.
    up: `CREATE INDEX tasks_created ON tasks (created_at, id);`,
  },
  { version: 6, name: SOURCES_MIGRATION_NAME, up: SOURCES_MIGRATION_SQL },
  { version: 7, name: CLUSTER_WIDE_MIGRATION_NAME, up: moveClusterWideKinds },
  {
    version: 8,
    name: "run-capability",
    // Agent selection scores an agent per capability from its recorded runs;
    // the index serves those per-agent aggregates without a full scan.
    up: `
      ALTER TABLE runs ADD COLUMN capability TEXT;
      CREATE INDEX runs_agent ON runs (agent, finished_at) WHERE agent IS NOT NULL;
    `,
  },
  { version: 9, name: INVENTORY_OWNERSHIP_MIGRATION_NAME, up: INVENTORY_OWNERSHIP_MIGRATION_SQL },
  {
    version: 10,
    name: "run-parent-step",
    // A child of a chain step records the chain step it ran in.
    up: `ALTER TABLE runs ADD COLUMN parent_step TEXT;`,
  },
  {
    version: 11,
    name: "workflow-store-entries",
    // The entries of local WorkflowStores: one value (JSON text) per project,
    // store and key. The second index serves listing newest first and
    // retention (oldest beyond max_entries, older than the TTL). Triggers
    // keep each store's entry count, so a write checks max_entries without
    // counting the store's rows (an upsert that replaces a value fires
    // neither).
    up: `
      CREATE TABLE workflow_store_entries (
        project    TEXT NOT NULL,
        store      TEXT NOT NULL,
        key        TEXT NOT NULL,
        value      TEXT NOT NULL,
        task_id    TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX workflow_store_entries_key ON workflow_store_entries (project, store, key);
      CREATE INDEX workflow_store_entries_recent ON workflow_store_entries (project, store, updated_at);
      CREATE TABLE workflow_store_counts (
        project TEXT NOT NULL,
        store   TEXT NOT NULL,
        entries INTEGER NOT NULL,
        PRIMARY KEY (project, store)
      ) WITHOUT ROWID;
      CREATE TRIGGER workflow_store_entry_added AFTER INSERT ON workflow_store_entries BEGIN
        INSERT INTO workflow_store_counts (project, store, entries) VALUES (NEW.project, NEW.store, 1)
          ON CONFLICT (project, store) DO UPDATE SET entries = entries + 1;
      END;
      CREATE TRIGGER workflow_store_entry_removed AFTER DELETE ON workflow_store_entries BEGIN
        UPDATE workflow_store_counts SET entries = entries - 1 WHERE project = OLD.project AND store = OLD.store;
      END;
    `,
  },
  {
    version: 12,
    name: "spawned-tasks-and-generated-items",
    // A task spawned by another records its parent task and step and its
    // depth below the root; an item records whether a step generated it
    // (generate_items) and the label it was given.
    up: `
      ALTER TABLE tasks ADD COLUMN parent_task_id TEXT;
      ALTER TABLE tasks ADD COLUMN parent_step TEXT;
      ALTER TABLE tasks ADD COLUMN spawn_depth INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX tasks_parent ON tasks (parent_task_id, created_at) WHERE parent_task_id IS NOT NULL;
      ALTER TABLE items ADD COLUMN source TEXT NOT NULL DEFAULT 'static';
      ALTER TABLE items ADD COLUMN label TEXT;
    `,
  },
  {
    version: 13,
    name: "source-webhook-secret",
    // The SecretStore whose values sign a source's push notifications.
    up: `ALTER TABLE sources ADD COLUMN webhook_secret TEXT;`,
  },
  { version: 14, name: "agent-states", up: AGENT_STATES_MIGRATION_SQL },
  { version: 15, name: SECRET_KEYS_MIGRATION_NAME, up: SECRET_KEYS_MIGRATION_SQL },
  { version: 16, name: SOURCE_RESOURCES_MIGRATION_NAME, up: sourcesToResources },
  { version: 17, name: "trigger-deliveries", up: TRIGGER_DELIVERIES_SQL },
];

export const LATEST_VERSION: number = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
