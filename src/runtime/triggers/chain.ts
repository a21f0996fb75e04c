/**
 * @module How deep a chain of triggers may go. A task a trigger creates
 * because another task finished (`task_completed`, `task_failed`) is one
 * firing deeper than that task; a task made by hand, by a cron tick, a
 * webhook, a file change or `trigger fire` starts a chain at 0. Trigger A
 * firing on B's tasks and B on A's would otherwise run forever: a firing
 * deeper than the finished task's workflow allows
 * (`safety.max_spawn_depth`, the limit spawned tasks keep to) is skipped,
 * and the skip says so.
 */
import { applyDefaults } from "../../resources/defaults.js";
import type { JsonValue } from "../../resources/types.js";
import type { Store } from "../../store/store.js";
import type { TriggerEvent } from "./match.js";

/** As for spawned tasks when the workflow sets no `safety.max_spawn_depth`. */
export const DEFAULT_MAX_SPAWN_DEPTH = 3;

export type ChainDecision = { allowed: true; depth: number } | { allowed: false; depth: number; limit: number; message: string };

/** The depth a firing for `event` creates its task at, and whether the chain may go that deep. */
export function chainDecision(store: Store, event: TriggerEvent | undefined): ChainDecision {
  if (!event || (event.source !== "task_completed" && event.source !== "task_failed")) return { allowed: true, depth: 0 };
  const depth = (event.chainDepth ?? 0) + 1;
  const limit = maxSpawnDepth(store, event.project, event.workflow);
  if (depth <= limit) return { allowed: true, depth };
  const task = typeof event.payload["task_id"] === "string" ? `task ${event.payload["task_id"]}` : "the finished task";
  const message =
    `trigger chain depth ${depth} would exceed safety.max_spawn_depth ${limit} of workflow '${event.workflow ?? "?"}' ` +
    `(${task} was itself created ${depth - 1} firing(s) down a chain of triggers); raise safety.max_spawn_depth to allow longer chains`;
  return { allowed: false, depth, limit, message };
}

/** The workflow's `safety.max_spawn_depth`, or the default when it sets none or is gone. */
function maxSpawnDepth(store: Store, project: string, workflow: string | undefined): number {
  if (!workflow) return DEFAULT_MAX_SPAWN_DEPTH;
  const wf = store.getResource({ project, kind: "Workflow", name: workflow });
  if (!wf) return DEFAULT_MAX_SPAWN_DEPTH;
  const safety: JsonValue | undefined = applyDefaults(wf).spec["safety"];
  const v = safety && typeof safety === "object" && !Array.isArray(safety) ? safety["max_spawn_depth"] : undefined;
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : DEFAULT_MAX_SPAWN_DEPTH;
}
