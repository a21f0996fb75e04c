/**
 * @module A Trigger's status, as a CronJob's: when it last fired and which
 * task that made, the tasks still active, the next tick, and the last
 * firing it skipped. Written to the store and to the trigger's status file
 * (`.orchestrator/status/<project>/trigger/<name>.yaml`), never to a source.
 */
import { isDeepStrictEqual } from "node:util";
import type { JsonObject } from "../../resources/types.js";
import type { Store, StoredResource } from "../../store/store.js";

/** The fields the scheduler owns, in the order they are shown. */
export interface TriggerStatus {
  observedGeneration: number;
  /** The last cron tick or event fired for (a manual firing leaves it, so it never hides a tick). */
  lastScheduleTime?: string;
  /** When the trigger last created a task, however it fired. */
  lastFiringTime?: string;
  lastTaskId?: string;
  active: string[];
  nextScheduleTime?: string;
  lastSkipped?: { time: string; reason: string; message: string };
  /** The id of the last task event the trigger fired for, so no event fires it twice. */
  lastEventId?: number;
  /**
   * Suspended at run time by `trigger suspend` (who and when): kept in the
   * store beside the manifest's own `spec.suspend`, so a sync does not undo it.
   */
  suspended?: { time: string; by: string };
}

export function readTriggerStatus(r: Pick<StoredResource, "status" | "generation">): TriggerStatus {
  const s = r.status ?? {};
  const out: TriggerStatus = { observedGeneration: r.generation, active: Array.isArray(s["active"]) ? s["active"].filter((x): x is string => typeof x === "string") : [] };
  if (typeof s["lastScheduleTime"] === "string") out.lastScheduleTime = s["lastScheduleTime"];
  if (typeof s["lastFiringTime"] === "string") out.lastFiringTime = s["lastFiringTime"];
  if (typeof s["lastTaskId"] === "string") out.lastTaskId = s["lastTaskId"];
  if (typeof s["nextScheduleTime"] === "string") out.nextScheduleTime = s["nextScheduleTime"];
  if (typeof s["lastEventId"] === "number") out.lastEventId = s["lastEventId"];
  const suspended = s["suspended"];
  if (suspended && typeof suspended === "object" && !Array.isArray(suspended) && typeof suspended["time"] === "string") {
    out.suspended = { time: suspended["time"], by: String(suspended["by"] ?? "") };
  }
  const skipped = s["lastSkipped"];
  if (skipped && typeof skipped === "object" && !Array.isArray(skipped) && typeof skipped["time"] === "string") {
    out.lastSkipped = { time: skipped["time"], reason: String(skipped["reason"] ?? ""), message: String(skipped["message"] ?? "") };
  }
  return out;
}

function toJson(s: TriggerStatus): JsonObject {
  const out: JsonObject = { observedGeneration: s.observedGeneration };
  if (s.lastScheduleTime) out["lastScheduleTime"] = s.lastScheduleTime;
  if (s.lastFiringTime) out["lastFiringTime"] = s.lastFiringTime;
  if (s.lastTaskId) out["lastTaskId"] = s.lastTaskId;
  out["active"] = [...s.active];
  if (s.nextScheduleTime) out["nextScheduleTime"] = s.nextScheduleTime;
  if (s.lastSkipped) out["lastSkipped"] = { ...s.lastSkipped };
  if (s.lastEventId !== undefined) out["lastEventId"] = s.lastEventId;
  if (s.suspended) out["suspended"] = { ...s.suspended };
  return out;
}

/**
 * Stores the status when it differs from the stored one; returns whether it
 * did (a status write does not move the resources version).
 */
export function storeTriggerStatus(store: Store, r: StoredResource, status: TriggerStatus): boolean {
  const next = toJson(status);
  if (r.status && isDeepStrictEqual(r.status, next)) return false;
  return store.setStatus({ project: r.metadata.project, kind: "Trigger", name: r.metadata.name }, next);
}

/** Bumped by `trigger suspend|resume`: a status write does not move the resources version the scheduler re-plans on. */
const STATE_VERSION_META = "triggers.state_version";

export function triggerStateVersion(store: Store): string {
  return store.getMeta(STATE_VERSION_META) ?? "0";
}

export function bumpTriggerStateVersion(store: Store): void {
  store.setMeta(STATE_VERSION_META, String(Number(triggerStateVersion(store)) + 1));
}
