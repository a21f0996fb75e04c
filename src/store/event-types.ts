/**
 * @module Every type of event the store records, by what it is about, for
 * `event list --type` to check against and list. Each entry names the module
 * that records it; test/store/event-types.test.ts fails when a module starts
 * recording a type this list lacks.
 */
import type { TaskEventType } from "./task-store.js";

/** Recorded by the task store with the change they describe (src/store/sqlite/task-events.ts). */
const TASK_STORE_EVENTS: Record<TaskEventType, true> = {
  task_created: true,
  task_queued: true,
  task_started: true,
  task_paused: true,
  task_resumed: true,
  task_completed: true,
  task_failed: true,
  task_cancelled: true,
  task_deleted: true,
  step_started: true,
  run_result: true,
};

export const EVENT_TYPES: readonly string[] = [
  ...Object.keys(TASK_STORE_EVENTS),
  // src/runtime/recovery.ts, src/cli/commands/task-control.ts
  "task_recovered",
  "item_retried",
  // src/engine/runner/task-runner.ts
  "cycle_started",
  "cycle_finished",
  "item_blocked",
  // src/engine/runner/step-runner.ts (through the task runner)
  "capture_missing",
  "artifacts_collected",
  // src/engine/runner/post-actions.ts
  "store_written",
  "task_spawned",
  "items_generated",
  // src/engine/invariants/invariant-guard.ts, src/engine/runner/task-safety.ts
  "invariants_pinned",
  "invariants_kept",
  "invariant_violated",
  "checkpoint_created",
  "workspace_rolled_back",
  "rollback_failed",
  "binary_snapshot_taken",
  "binary_snapshot_skipped",
  "binary_snapshot_restored",
  // src/engine/runner/step-runner.ts, task-runner.ts (item_isolation)
  "item_isolation_prepared",
  "item_isolation_winner_applied",
  "item_isolation_cleaned",
  // src/engine/adaptive/adaptive-cycle.ts
  "adaptive_plan_accepted",
  "adaptive_plan_fallback",
  // src/engine/runner/step-runner.ts, task-runner.ts (self_restart)
  "self_restart_ready",
  "self_restart_failed",
  "self_restart_verified",
  // src/engine/runner/task-runner.ts (self-referential policy)
  "self_referential_warning",
  // src/engine/runner/step-boundary.ts (through the task runner)
  "sandbox_denied",
  "sandbox_unsupported",
  // src/store/sqlite/event-queries.ts, src/store/sqlite/sqlite-store.ts
  "resource_created",
  "resource_updated",
  "resource_deleted",
  "resource_pruned",
  "project_deleted",
  // src/reconcile/events.ts
  "source_fetched",
  "drift_corrected",
  "reconcile_failed",
  "resource_adopted",
  "resource_released",
  // src/cli/commands/source.ts
  "source_suspended",
  "source_resumed",
  // src/runtime/triggers/fire.ts
  "trigger_fired",
  "trigger_skipped",
  // src/runtime/crd-cron.ts
  "crd_plugin_ran",
  "crd_plugin_failed",
  "crd_plugin_refused",
  // src/store/sqlite/task-sqlite-store.ts (setAgentState: `agent cordon|drain|uncordon`)
  "agent_cordoned",
  "agent_draining",
  "agent_drained",
  "agent_uncordoned",
  // src/store/secret-key-rotation.ts (`secret key rotate|revoke`)
  "secret_key_created",
  "secret_key_rotation_started",
  "secret_key_rotated",
  "secret_key_revoked",
  // src/store/postgres/copy-from-sqlite.ts (`db migrate --to`)
  "store_migrated",
  // src/cli/commands/trigger.ts
  "trigger_suspended",
  "trigger_resumed",
];

export function isKnownEventType(type: string): boolean {
  return EVENT_TYPES.includes(type);
}
