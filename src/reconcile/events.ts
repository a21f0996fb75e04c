/**
 * @module The events a reconcile pass records beyond the store's own
 * `resource_created` / `resource_updated` / `resource_pruned`: a new
 * revision read (`source_fetched`), a resource put back after an
 * out-of-band change (`drift_corrected`), a hand-applied resource a source
 * took over (`resource_adopted`) or handed back (`resource_released`), a
 * pass that stopped (`reconcile_failed`). Messages name things, never
 * secret values.
 */
import type { JsonObject } from "../resources/types.js";
import type { NewEvent } from "../store/store.js";
import { shortRevision } from "./digest.js";
import type { PlannedAction } from "./plan.js";

/** Source events are filed under kind `Source` and the source's name. */
export const SOURCE_EVENT_KIND = "Source";

export function sourceFetchedEvent(source: string, revision: string, previous: string | null, actor: string): NewEvent {
  const data: JsonObject = { source, revision, previous };
  return {
    type: "source_fetched",
    kind: SOURCE_EVENT_KIND,
    name: source,
    message: `source ${source}: new revision ${shortRevision(revision)}${previous ? ` (was ${shortRevision(previous)})` : ""}`,
    actor,
    data,
  };
}

export function driftEvent(a: PlannedAction, source: string, actor: string, revision: string | undefined): NewEvent {
  const how = a.head ? (a.head.appliedBy === actor ? "changed out of band" : `changed by ${a.head.appliedBy}`) : "deleted out of band";
  const data: JsonObject = { source, revision: revision ?? null, was: a.head ? "modified" : "deleted", by: a.head?.appliedBy ?? null };
  return {
    type: "drift_corrected",
    project: a.key.project,
    kind: a.key.kind,
    name: a.key.name,
    message: `${a.key.kind.toLowerCase()}/${a.key.name} was ${how}; restored from source ${source}`,
    actor,
    data,
  };
}

export function adoptedEvent(a: PlannedAction, source: string, actor: string, revision: string | undefined): NewEvent {
  const from = a.adoptedFrom ?? null;
  const data: JsonObject = { source, revision: revision ?? null, from };
  return {
    type: "resource_adopted",
    project: a.key.project,
    kind: a.key.kind,
    name: a.key.name,
    message: `${a.key.kind.toLowerCase()}/${a.key.name} adopted by source ${source} (was applied by ${from ?? "?"}); if the source drops it, it is released, not pruned`,
    actor,
    data,
  };
}

export function releasedEvent(a: PlannedAction, source: string, to: string, actor: string, revision: string | undefined): NewEvent {
  const data: JsonObject = { source, revision: revision ?? null, to };
  return {
    type: "resource_released",
    project: a.key.project,
    kind: a.key.kind,
    name: a.key.name,
    message: `${a.key.kind.toLowerCase()}/${a.key.name} released by source ${source}: no longer in the source, left in place and now applied by ${to}`,
    actor,
    data,
  };
}

export function reconcileFailedEvent(source: string, reason: string, message: string, revision: string | null, errors: readonly string[], actor: string): NewEvent {
  const data: JsonObject = { source, reason, revision, errors: [...errors.slice(0, 50)] };
  return {
    type: "reconcile_failed",
    kind: SOURCE_EVENT_KIND,
    name: source,
    message: `source ${source}: ${reason}: ${message}`,
    actor,
    data,
  };
}
