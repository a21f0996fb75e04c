/**
 * @module Rows of the tasks, items and runs tables and their mapping to
 * records: JSON columns parsed, integer booleans made booleans, and back.
 */
import type { JsonObject } from "../../resources/types.js";
import type {
  ItemRecord,
  ItemStatus,
  RunRecord,
  RunStatus,
  TaskOrigin,
  TaskPhase,
  TaskRecord,
  TaskSpecRecord,
} from "../task-store.js";
import { displayTextOrNull } from "../display-text.js";

export interface TaskRow {
  id: string;
  name: string;
  project: string;
  origin: string;
  resource_kind: string | null;
  resource_name: string | null;
  resource_generation: number | null;
  workflow: string | null;
  workspace: string | null;
  goal: string;
  spec: string;
  phase: string;
  queued: number;
  claimed_by: string | null;
  cycle: number;
  state: string;
  exit_code: number | null;
  message: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  parent_task_id: string | null;
  parent_step: string | null;
  spawn_depth: number;
}

export interface ItemRow {
  id: string;
  task_id: string;
  path: string;
  status: string;
  vars: string;
  failures: number;
  source: string;
  label: string | null;
  created_at: string;
  updated_at: string;
}

export interface RunRow {
  id: string;
  task_id: string;
  item_id: string | null;
  step_id: string;
  parent_step: string | null;
  cycle: number;
  agent: string | null;
  capability: string | null;
  command: string | null;
  status: string;
  exit_code: number | null;
  reason: string | null;
  log_path: string | null;
  pid: number | null;
  pgid: number | null;
  output: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
}

export function taskFromRow(r: TaskRow): TaskRecord {
  const t: TaskRecord = {
    id: r.id,
    name: r.name,
    project: r.project,
    origin: r.origin as TaskOrigin,
    resourceKind: r.resource_kind as TaskRecord["resourceKind"],
    resourceName: r.resource_name,
    resourceGeneration: r.resource_generation,
    workflow: r.workflow,
    workspace: r.workspace,
    goal: r.goal,
    spec: JSON.parse(r.spec) as TaskSpecRecord,
    phase: r.phase as TaskPhase,
    queued: r.queued !== 0,
    claimedBy: r.claimed_by,
    cycle: r.cycle,
    state: JSON.parse(r.state) as JsonObject,
    exitCode: r.exit_code,
    message: r.message,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    updatedAt: r.updated_at,
  };
  if (r.parent_task_id !== null) t.parent = { taskId: r.parent_task_id, step: r.parent_step ?? "", depth: r.spawn_depth };
  return t;
}

export function taskToRow(t: TaskRecord): TaskRow {
  return {
    id: t.id,
    name: t.name,
    project: t.project,
    origin: t.origin,
    resource_kind: t.resourceKind,
    resource_name: t.resourceName,
    resource_generation: t.resourceGeneration,
    workflow: t.workflow,
    workspace: t.workspace,
    goal: t.goal,
    spec: JSON.stringify(t.spec),
    phase: t.phase,
    queued: t.queued ? 1 : 0,
    claimed_by: t.claimedBy,
    cycle: t.cycle,
    state: JSON.stringify(t.state),
    exit_code: t.exitCode,
    message: displayTextOrNull(t.message),
    created_at: t.createdAt,
    started_at: t.startedAt,
    finished_at: t.finishedAt,
    updated_at: t.updatedAt,
    parent_task_id: t.parent?.taskId ?? null,
    parent_step: t.parent?.step ?? null,
    spawn_depth: t.parent?.depth ?? 0,
  };
}

export function itemFromRow(r: ItemRow): ItemRecord {
  const i: ItemRecord = {
    id: r.id,
    taskId: r.task_id,
    path: r.path,
    status: r.status as ItemStatus,
    vars: JSON.parse(r.vars) as JsonObject,
    failures: r.failures,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.source === "generated") i.source = "generated";
  if (r.label !== null) i.label = r.label;
  return i;
}

export function itemToRow(i: ItemRecord): ItemRow {
  return {
    id: i.id,
    task_id: i.taskId,
    path: i.path,
    status: i.status,
    vars: JSON.stringify(i.vars),
    failures: i.failures,
    source: i.source ?? "static",
    label: i.label ?? null,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
  };
}

export function runFromRow(r: RunRow): RunRecord {
  return {
    id: r.id,
    taskId: r.task_id,
    itemId: r.item_id,
    stepId: r.step_id,
    parentStepId: r.parent_step,
    cycle: r.cycle,
    agent: r.agent,
    capability: r.capability,
    command: displayTextOrNull(r.command),
    status: r.status as RunStatus,
    exitCode: r.exit_code,
    reason: r.reason,
    logPath: r.log_path,
    pid: r.pid,
    pgid: r.pgid,
    output: r.output === null ? null : (JSON.parse(r.output) as JsonObject),
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
  };
}

export function runToRow(r: RunRecord): RunRow {
  return {
    id: r.id,
    task_id: r.taskId,
    item_id: r.itemId,
    step_id: r.stepId,
    parent_step: r.parentStepId,
    cycle: r.cycle,
    agent: r.agent,
    capability: r.capability,
    command: r.command,
    status: r.status,
    exit_code: r.exitCode,
    reason: displayTextOrNull(r.reason),
    log_path: r.logPath,
    pid: r.pid,
    pgid: r.pgid,
    output: r.output === null ? null : JSON.stringify(r.output),
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    duration_ms: r.durationMs,
  };
}
