/**
 * @module The PostgreSQL schema, as an ordered list of named migrations with
 * its own numbering (the SQLite store's numbers mean nothing here). Columns
 * mirror the SQLite tables, so both stores map rows the same way: times are
 * ISO 8601 text, JSON is text, flags are 0/1 integers. `seq` columns give
 * items and runs their insertion order (SQLite's rowid).
 */
import { FENCE_FUNCTION_SQL } from "./locks.js";
import type { PgConnection } from "./bridge.js";
import { PG_SECRET_KEYS_MIGRATION_SQL } from "./pg-keyring.js";
import { PG_SOURCE_RESOURCES_MIGRATION_NAME, pgSourcesToResources } from "./source-resource-migration.js";
import { PG_WORKFLOW_STORE_MIGRATION_SQL } from "./pg-workflow-store.js";

export interface PgMigration {
  version: number;
  name: string;
  /** SQL run as one script, or a function for steps SQL alone cannot express (in the migration's transaction). */
  up: string | ((db: PgConnection) => void);
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: "base",
    up: `
      CREATE TABLE meta (
        key   TEXT COLLATE "C" PRIMARY KEY,
        value TEXT COLLATE "C" NOT NULL
      );
      INSERT INTO meta (key, value) VALUES
        ('created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
        ('resources_version', '0');

      CREATE TABLE resources (
        id            BIGSERIAL PRIMARY KEY,
        project       TEXT COLLATE "C" NOT NULL,
        kind          TEXT COLLATE "C" NOT NULL,
        name          TEXT COLLATE "C" NOT NULL,
        api_version   TEXT COLLATE "C" NOT NULL,
        spec          TEXT COLLATE "C" NOT NULL,
        labels        TEXT COLLATE "C",
        annotations   TEXT COLLATE "C",
        description   TEXT COLLATE "C",
        status        TEXT COLLATE "C",
        generation    INTEGER NOT NULL DEFAULT 1,
        hash          TEXT COLLATE "C" NOT NULL,
        applied_by    TEXT COLLATE "C" NOT NULL,
        origin_file   TEXT COLLATE "C",
        origin_line   INTEGER,
        origin_commit TEXT COLLATE "C",
        created_at    TEXT COLLATE "C" NOT NULL,
        updated_at    TEXT COLLATE "C" NOT NULL
      );
      CREATE UNIQUE INDEX resources_key ON resources (project, kind, name);
      CREATE INDEX resources_kind ON resources (kind, project, name);
      CREATE INDEX resources_applied_by ON resources (applied_by, kind);

      -- Every change to a resource's content moves resources_version; a status write does not.
      CREATE FUNCTION bump_resources_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'resources_version';
        RETURN NULL;
      END $$;
      CREATE TRIGGER resources_version_insert AFTER INSERT OR DELETE ON resources
        FOR EACH ROW EXECUTE FUNCTION bump_resources_version();
      CREATE TRIGGER resources_version_update
        AFTER UPDATE OF api_version, spec, labels, annotations, description, hash, applied_by ON resources
        FOR EACH ROW EXECUTE FUNCTION bump_resources_version();

      CREATE TABLE events (
        id      BIGSERIAL PRIMARY KEY,
        ts      TEXT COLLATE "C" NOT NULL,
        type    TEXT COLLATE "C" NOT NULL,
        project TEXT COLLATE "C",
        kind    TEXT COLLATE "C",
        name    TEXT COLLATE "C",
        message TEXT COLLATE "C" NOT NULL,
        actor   TEXT COLLATE "C",
        task_id TEXT COLLATE "C",
        run_id  TEXT COLLATE "C",
        data    TEXT COLLATE "C"
      );
      CREATE INDEX events_task ON events (task_id);
      CREATE INDEX events_resource ON events (project, kind, name);
      CREATE INDEX events_type ON events (type);

      CREATE TABLE tasks (
        id                  TEXT COLLATE "C" PRIMARY KEY,
        name                TEXT COLLATE "C" NOT NULL,
        project             TEXT COLLATE "C" NOT NULL,
        origin              TEXT COLLATE "C" NOT NULL,
        resource_kind       TEXT COLLATE "C",
        resource_name       TEXT COLLATE "C",
        resource_generation INTEGER,
        workflow            TEXT COLLATE "C",
        workspace           TEXT COLLATE "C",
        goal                TEXT COLLATE "C" NOT NULL,
        spec                TEXT COLLATE "C" NOT NULL,
        phase               TEXT COLLATE "C" NOT NULL,
        queued              INTEGER NOT NULL,
        claimed_by          TEXT COLLATE "C",
        -- The lease epoch of the controller that claimed it: writes by a controller whose lease is gone are refused.
        claim_epoch         BIGINT,
        cycle               INTEGER NOT NULL DEFAULT 0,
        state               TEXT COLLATE "C" NOT NULL,
        exit_code           INTEGER,
        message             TEXT COLLATE "C",
        created_at          TEXT COLLATE "C" NOT NULL,
        started_at          TEXT COLLATE "C",
        finished_at         TEXT COLLATE "C",
        updated_at          TEXT COLLATE "C" NOT NULL
      );
      CREATE INDEX tasks_queue ON tasks (created_at, id) WHERE queued = 1;
      CREATE INDEX tasks_project_phase ON tasks (project, phase, created_at);
      CREATE INDEX tasks_name ON tasks (name);
      CREATE INDEX tasks_resource ON tasks (project, resource_kind, resource_name);
      CREATE INDEX tasks_claimed ON tasks (claimed_by) WHERE claimed_by IS NOT NULL AND finished_at IS NULL;
      CREATE INDEX tasks_created ON tasks (created_at, id);

      CREATE TABLE items (
        seq        BIGSERIAL UNIQUE,
        id         TEXT COLLATE "C" PRIMARY KEY,
        task_id    TEXT COLLATE "C" NOT NULL,
        path       TEXT COLLATE "C" NOT NULL,
        status     TEXT COLLATE "C" NOT NULL,
        vars       TEXT COLLATE "C" NOT NULL,
        failures   INTEGER NOT NULL DEFAULT 0,
        created_at TEXT COLLATE "C" NOT NULL,
        updated_at TEXT COLLATE "C" NOT NULL
      );
      CREATE INDEX items_task ON items (task_id, seq);

      CREATE TABLE runs (
        seq         BIGSERIAL UNIQUE,
        id          TEXT COLLATE "C" PRIMARY KEY,
        task_id     TEXT COLLATE "C" NOT NULL,
        item_id     TEXT COLLATE "C",
        step_id     TEXT COLLATE "C" NOT NULL,
        parent_step TEXT COLLATE "C",
        cycle       INTEGER NOT NULL,
        agent       TEXT COLLATE "C",
        capability  TEXT COLLATE "C",
        command     TEXT COLLATE "C",
        status      TEXT COLLATE "C" NOT NULL,
        exit_code   INTEGER,
        reason      TEXT COLLATE "C",
        log_path    TEXT COLLATE "C",
        pid         INTEGER,
        pgid        INTEGER,
        output      TEXT COLLATE "C",
        started_at  TEXT COLLATE "C" NOT NULL,
        finished_at TEXT COLLATE "C",
        duration_ms BIGINT
      );
      CREATE INDEX runs_task ON runs (task_id, seq);
      CREATE INDEX runs_unfinished ON runs (task_id) WHERE finished_at IS NULL;
      CREATE INDEX runs_agent ON runs (agent, finished_at) WHERE agent IS NOT NULL;

      CREATE TABLE sources (
        name        TEXT COLLATE "C" PRIMARY KEY,
        type        TEXT COLLATE "C" NOT NULL,
        dir         TEXT COLLATE "C",
        url         TEXT COLLATE "C",
        ref         TEXT COLLATE "C",
        path        TEXT COLLATE "C",
        interval_ms BIGINT NOT NULL,
        project     TEXT COLLATE "C" NOT NULL,
        prune       INTEGER NOT NULL,
        status      TEXT COLLATE "C" NOT NULL,
        created_at  TEXT COLLATE "C" NOT NULL,
        updated_at  TEXT COLLATE "C" NOT NULL
      );

      CREATE TABLE source_inventory (
        source  TEXT COLLATE "C" NOT NULL,
        project TEXT COLLATE "C" NOT NULL,
        kind    TEXT COLLATE "C" NOT NULL,
        name    TEXT COLLATE "C" NOT NULL,
        hash    TEXT COLLATE "C" NOT NULL,
        adopted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (source, project, kind, name)
      );
      CREATE INDEX source_inventory_resource ON source_inventory (project, kind, name);

      CREATE TABLE reconcile_requests (
        id           BIGSERIAL PRIMARY KEY,
        source       TEXT COLLATE "C",
        requested_at TEXT COLLATE "C" NOT NULL,
        started_at   TEXT COLLATE "C",
        finished_at  TEXT COLLATE "C",
        result       TEXT COLLATE "C"
      );
      CREATE INDEX reconcile_requests_pending ON reconcile_requests (id) WHERE started_at IS NULL;
    `,
  },
  {
    version: 2,
    name: "controllers",
    // Controllers sharing the store, each with a lease it renews; an epoch
    // per registration fences a controller whose lease was taken over.
    // Leaders: one holder per name (a source's reconciler) while the
    // holder's controller row lives.
    up: `
      CREATE SEQUENCE controller_epochs;
      CREATE TABLE controllers (
        id           TEXT COLLATE "C" PRIMARY KEY,
        epoch        BIGINT NOT NULL UNIQUE,
        host         TEXT COLLATE "C" NOT NULL,
        pid          INTEGER NOT NULL,
        workers      INTEGER NOT NULL,
        role         TEXT COLLATE "C" NOT NULL,
        started_at   TEXT COLLATE "C" NOT NULL,
        heartbeat_at TEXT COLLATE "C" NOT NULL,
        expires_at   TIMESTAMPTZ NOT NULL
      );
      CREATE TABLE leaders (
        name   TEXT COLLATE "C" PRIMARY KEY,
        holder TEXT COLLATE "C" NOT NULL,
        since  TEXT COLLATE "C" NOT NULL
      );
      ${FENCE_FUNCTION_SQL};
    `,
  },
  {
    version: 3,
    name: "log-chunks",
    // Step logs in chunks, so any host reads (and follows) a step another runs.
    up: `
      CREATE TABLE log_chunks (
        run_id  TEXT COLLATE "C" NOT NULL,
        "offset" BIGINT NOT NULL,
        data    BYTEA NOT NULL,
        PRIMARY KEY (run_id, "offset")
      );
    `,
  },
  {
    version: 4,
    name: "spawned-tasks-and-generated-items",
    // As the SQLite store's migration 12: a spawned task's parent task, step
    // and depth; an item's source (static or generated) and label.
    up: `
      ALTER TABLE tasks ADD COLUMN parent_task_id TEXT COLLATE "C";
      ALTER TABLE tasks ADD COLUMN parent_step TEXT COLLATE "C";
      ALTER TABLE tasks ADD COLUMN spawn_depth INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX tasks_parent ON tasks (parent_task_id, created_at) WHERE parent_task_id IS NOT NULL;
      ALTER TABLE items ADD COLUMN source TEXT COLLATE "C" NOT NULL DEFAULT 'static';
      ALTER TABLE items ADD COLUMN label TEXT COLLATE "C";
    `,
  },
  {
    version: 5,
    name: "source-webhook-secret-and-agent-states",
    // As the SQLite store's migrations 13 and 14: the SecretStore signing a
    // source's push notifications; agents' scheduling state (agent cordon|drain).
    up: `
      ALTER TABLE sources ADD COLUMN webhook_secret TEXT COLLATE "C";
      CREATE TABLE agent_states (
        project TEXT COLLATE "C" NOT NULL,
        name    TEXT COLLATE "C" NOT NULL,
        state   TEXT COLLATE "C" NOT NULL,
        since   TEXT COLLATE "C" NOT NULL,
        "by"    TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (project, name)
      );
    `,
  },
  { version: 6, name: "secret-keys", up: PG_SECRET_KEYS_MIGRATION_SQL },
  // As the SQLite store's migration 16: sources become Source resources.
  { version: 7, name: PG_SOURCE_RESOURCES_MIGRATION_NAME, up: pgSourcesToResources },
  // As the SQLite store's migration 11: local WorkflowStore entries and a count per store its triggers keep.
  { version: 8, name: "workflow-store-entries", up: PG_WORKFLOW_STORE_MIGRATION_SQL },
  {
    version: 9,
    name: "trigger-deliveries",
    // As the SQLite store's migration 17: the primary key is what makes two
    // controllers taking one redelivered webhook record (and fire) it once.
    up: `
      CREATE TABLE trigger_deliveries (
        project      TEXT COLLATE "C" NOT NULL,
        trigger_name TEXT COLLATE "C" NOT NULL,
        delivery_id  TEXT COLLATE "C" NOT NULL,
        received_at  TEXT COLLATE "C" NOT NULL,
        outcome      TEXT COLLATE "C" NOT NULL,
        task_id      TEXT COLLATE "C",
        PRIMARY KEY (project, trigger_name, delivery_id)
      );
      CREATE INDEX trigger_deliveries_received ON trigger_deliveries (received_at);
    `,
  },
];

export const PG_LATEST_VERSION: number = PG_MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
