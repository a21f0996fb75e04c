/**
 * @module The schema of sources: the sources table, each source's inventory
 * (one row per resource it applied, so a pass rewrites only what changed),
 * reconcile requests, and `resources_version`, a counter every change to a
 * resource's content bumps (triggers, so every writer is counted), which
 * lets an unchanged source skip its pass without reading a resource.
 */

export const SOURCES_MIGRATION_NAME = "sources";

export const SOURCES_MIGRATION_SQL = `
  CREATE TABLE sources (
    name        TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    dir         TEXT,
    url         TEXT,
    ref         TEXT,
    path        TEXT,
    interval_ms INTEGER NOT NULL,
    project     TEXT NOT NULL,
    prune       INTEGER NOT NULL,
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );

  CREATE TABLE source_inventory (
    source  TEXT NOT NULL,
    project TEXT NOT NULL,
    kind    TEXT NOT NULL,
    name    TEXT NOT NULL,
    hash    TEXT NOT NULL,
    PRIMARY KEY (source, project, kind, name)
  ) WITHOUT ROWID;

  CREATE TABLE reconcile_requests (
    id           INTEGER PRIMARY KEY,
    source       TEXT,
    requested_at TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT,
    result       TEXT
  );
  CREATE INDEX reconcile_requests_pending ON reconcile_requests (id) WHERE started_at IS NULL;

  CREATE INDEX resources_applied_by ON resources (applied_by, kind);

  INSERT INTO meta (key, value) VALUES ('resources_version', '0') ON CONFLICT (key) DO NOTHING;
  CREATE TRIGGER resources_version_insert AFTER INSERT ON resources BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'resources_version';
  END;
  CREATE TRIGGER resources_version_delete AFTER DELETE ON resources BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'resources_version';
  END;
  -- A status write (engine, controllers) is not a change of content.
  CREATE TRIGGER resources_version_update
    AFTER UPDATE OF api_version, spec, labels, annotations, description, hash, applied_by ON resources BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'resources_version';
  END;
`;

export const INVENTORY_OWNERSHIP_MIGRATION_NAME = "inventory-ownership";

/**
 * Ownership between sources: `adopted` marks an inventory entry the source
 * took over from a hand-applied resource (released, never pruned, when the
 * source drops it), and an index by resource finds the source that manages a
 * resource, so another source declaring it is refused rather than flip-flopping.
 */
export const INVENTORY_OWNERSHIP_MIGRATION_SQL = `
  ALTER TABLE source_inventory ADD COLUMN adopted INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX source_inventory_resource ON source_inventory (project, kind, name);
`;
