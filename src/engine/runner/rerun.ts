/**
 * @module Which finished runs a resumed task runs again. A step that finished
 * in a cycle is normally never run twice; `task retry` and `task resume` of a
 * failed task name the runs to discard in the task's state, and the runner
 * treats those executions as not yet done.
 */
import type { JsonObject } from "../../resources/types.js";

/** The key in TaskRecord.state that lists run ids to run again. */
export const RERUN_STATE_KEY = "rerunRuns";

/** The run ids a task's state marks for running again. */
export function rerunIds(state: JsonObject): Set<string> {
  const v = state[RERUN_STATE_KEY];
  return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
}

/** The state with `runIds` added to the runs to run again. */
export function markForRerun(state: JsonObject, runIds: readonly string[]): JsonObject {
  return { ...state, [RERUN_STATE_KEY]: [...new Set([...rerunIds(state), ...runIds])] };
}
