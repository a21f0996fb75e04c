/**
 * @module SQL for agents' scheduling state (`agent cordon|drain|uncordon`)
 * and for the health `agent list` shows beside it: the latest error and the
 * runs in flight of each agent.
 */
import type { AgentStateRecord } from "../task-store.js";

export const AGENT_STATES_MIGRATION_SQL = `
  CREATE TABLE agent_states (
    project TEXT NOT NULL,
    name    TEXT NOT NULL,
    state   TEXT NOT NULL,
    since   TEXT NOT NULL,
    by      TEXT NOT NULL,
    PRIMARY KEY (project, name)
  ) WITHOUT ROWID;
`;

export const LIST_AGENT_STATES = "SELECT project, name, state, since, by FROM agent_states ORDER BY project, name";
export const GET_AGENT_STATE = "SELECT project, name, state, since, by FROM agent_states WHERE project = ? AND name = ?";
export const UPSERT_AGENT_STATE = `
  INSERT INTO agent_states (project, name, state, since, by) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (project, name) DO UPDATE SET state = excluded.state, since = excluded.since, by = excluded.by`;
export const DELETE_AGENT_STATE = "DELETE FROM agent_states WHERE project = ? AND name = ?";

/** Each agent's latest failed or timed-out run. */
export const AGENT_LAST_ERRORS = `
  SELECT agent, status, exit_code, reason, finished_at FROM (
    SELECT agent, status, exit_code, reason, finished_at,
      ROW_NUMBER() OVER (PARTITION BY agent ORDER BY finished_at DESC, rowid DESC) AS n
    FROM runs WHERE agent IS NOT NULL AND finished_at IS NOT NULL AND status IN ('failed', 'timed_out'))
  WHERE n = 1 ORDER BY agent`;

/** An agent's runs in flight, with their task's project and claimer. */
export const RUNNING_RUNS_OF_AGENT = `
  SELECT runs.*, tasks.project AS task_project, tasks.claimed_by AS task_claimed_by
  FROM runs JOIN tasks ON tasks.id = runs.task_id
  WHERE runs.agent = ? AND runs.finished_at IS NULL ORDER BY runs.started_at`;

export interface AgentStateRow {
  project: string;
  name: string;
  state: string;
  since: string;
  by: string;
}

export function agentStateFromRow(r: AgentStateRow): AgentStateRecord {
  return { project: r.project, name: r.name, state: r.state as AgentStateRecord["state"], since: r.since, by: r.by };
}
