/**
 * @module One firing of a trigger, and the history it keeps. A firing
 * waits out `throttle.minInterval` (a firing sooner after the last one is
 * skipped; `trigger fire` is not held back, as it is not by suspension),
 * applies `concurrencyPolicy` to the trigger's active tasks, creates the
 * task as `task create` does (`action.args` are its variables) (a Task resource plus a task record, origin
 * `trigger`, named `trigger-<name>`, queued unless `action.start: false`),
 * records `trigger_fired` or `trigger_skipped` and the trigger's status, all
 * in one write transaction: a firing happens whole or not at all.
 * Afterwards finished tasks beyond `historyLimit` are deleted (their
 * events stay).
 */
import { submit, SubmitError } from "../../engine/tasks/submit.js";
import { removeStatusFile } from "../../reconcile/status-files.js";
import type { JsonObject } from "../../resources/types.js";
import type { Home } from "../../store/home.js";
import type { ResourceChange, Store, StoredResource, TriggerDelivery } from "../../store/store.js";
import type { TaskRecord, TaskStore } from "../../store/task-store.js";
import { ACTOR, markCancelled } from "./cancel.js";
import { chainDecision } from "./chain.js";
import { DuplicateDelivery, recordDelivery } from "./deliveries.js";
import { defaultGoal, payloadVariables, type TriggerEvent } from "./match.js";
import { decideFiring, isActive, isTaskOfTrigger, tasksToPrune, throttleWait, triggerTaskName } from "./policy.js";
import type { TriggerDef } from "./spec.js";
import { readTriggerStatus, storeTriggerStatus, type TriggerStatus } from "./status.js";

export interface FireContext {
  store: Store;
  tasks: TaskStore;
  home: Home;
}

/** Why a trigger fires: a cron tick, a matching event, or `trigger fire` (with an optional payload). */
export type FireCause =
  | { kind: "cron"; tick: Date }
  | {
      kind: "event";
      event: TriggerEvent;
      /** A stored task event's id: each fires a trigger at most once. */
      eventId?: number;
      /** A webhook delivery's id (X-GitHub-Delivery, ...): a redelivery of one the trigger took creates nothing. */
      delivery?: string;
    }
  | { kind: "manual"; by: string; payload?: JsonObject };

/** What a firing records as its source: `cron`, the event's source, or `manual`. */
export function causeSource(cause: FireCause): string {
  return cause.kind === "cron" ? "cron" : cause.kind === "manual" ? "manual" : cause.event.source;
}

export type FireOutcome =
  | { fired: true; task: TaskRecord; cancelled: TaskRecord[] }
  /** `task`: a duplicate delivery's earlier task, when its firing made one. */
  | { fired: false; reason: string; message: string; task?: string };

export type SkippedFiring = Extract<FireOutcome, { fired: false }>;

/** What a firing or skip was for: a stored task event, a webhook delivery. */
export interface FiringOrigin {
  eventId?: number;
  delivery?: string;
}

/**
 * Records a skipped firing (event + status); `reason` is a stable code,
 * `message` says why to a person. With a delivery id the trigger already
 * took, records nothing and returns that earlier delivery.
 */
export function recordSkip(ctx: FireContext, trigger: TriggerDef, reason: string, message: string, data: JsonObject = {}, from: FiringOrigin = {}): TriggerDelivery | undefined {
  const { store } = ctx;
  try {
    store.writeTransaction(() => {
      const r = store.getResource(keyOf(trigger));
      if (r) skipInTransaction(store, r, trigger, reason, message, data, from);
    });
    return undefined;
  } catch (err) {
    if (err instanceof DuplicateDelivery) return err.earlier;
    throw err;
  }
}

/** A duplicate delivery as a firing's outcome. */
export function duplicateOutcome(earlier: TriggerDelivery): SkippedFiring {
  return { fired: false, reason: "duplicate", message: new DuplicateDelivery(earlier).message, ...(earlier.taskId ? { task: earlier.taskId } : {}) };
}

/**
 * Fires the trigger once, in one write transaction. A stored task event
 * fires a trigger at most once (its id is recorded with the firing). Does
 * not wait for cancelled tasks to stop: see finishCancellation.
 */
export function fireTrigger(ctx: FireContext, trigger: TriggerDef, cause: FireCause): FireOutcome {
  const source = causeSource(cause);
  const scheduledAt = (cause.kind === "cron" ? cause.tick : new Date()).toISOString();
  try {
    return ctx.store.writeTransaction(() => fireInTransaction(ctx, trigger, cause, source, scheduledAt));
  } catch (err) {
    // Another process took the same delivery first: nothing of this firing stays.
    if (err instanceof DuplicateDelivery) return duplicateOutcome(err.earlier);
    if (!(err instanceof RejectedFiring)) throw err;
    // The submission was refused: nothing of the firing stays (no cancellation either); the skip is recorded.
    const message = `the task could not be created: ${err.message}`;
    const earlier = recordSkip(ctx, trigger, "task_rejected", message, { source }, originOf(cause));
    if (earlier) return duplicateOutcome(earlier);
    return { fired: false, reason: "task_rejected", message };
  }
}

function fireInTransaction(ctx: FireContext, trigger: TriggerDef, cause: FireCause, source: string, scheduledAt: string): FireOutcome {
  const { store, tasks, home } = ctx;
  const r = store.getResource(keyOf(trigger));
  if (!r) return { fired: false, reason: "trigger_deleted", message: "the trigger no longer exists" };
  const from = originOf(cause);
  const eventId = from.eventId;
  const prior = readTriggerStatus(r);
  // Suspended since the caller read it (`trigger suspend` from another process): only `trigger fire` still fires.
  if (cause.kind !== "manual" && (r.spec["suspend"] === true || prior.suspended)) {
    const message = prior.suspended ? `the trigger is suspended (by ${prior.suspended.by} at ${prior.suspended.time})` : "the trigger is suspended (spec.suspend)";
    if (source === "webhook") skipInTransaction(store, r, trigger, "suspended", message, { source }, from);
    return { fired: false, reason: "suspended", message };
  }
  if (eventId !== undefined && prior.lastEventId !== undefined && prior.lastEventId >= eventId) return { fired: false, reason: "already_handled", message: `event ${eventId} was already handled` };
  if (cause.kind === "cron" && prior.lastScheduleTime !== undefined && prior.lastScheduleTime >= scheduledAt) return { fired: false, reason: "already_handled", message: `tick ${scheduledAt} already fired` };
  const throttled = cause.kind === "manual" ? undefined : throttleWait(trigger.spec.minIntervalSecs, prior.lastFiringTime, Date.now());
  if (throttled) {
    const message = `throttled: the trigger last fired at ${prior.lastFiringTime}, less than throttle.minInterval (${trigger.spec.minIntervalSecs}s) ago; it may fire again from ${throttled}`;
    skipInTransaction(store, r, trigger, "throttled", message, { source, lastFiringTime: prior.lastFiringTime ?? null, minInterval: trigger.spec.minIntervalSecs, nextAllowed: throttled }, from);
    return { fired: false, reason: "throttled", message };
  }
  const event = cause.kind === "event" ? cause.event : undefined;
  const chain = chainDecision(store, event);
  if (!chain.allowed) {
    skipInTransaction(store, r, trigger, "max_spawn_depth", chain.message, { source, depth: chain.depth, limit: chain.limit, ...(event?.payload["task_id"] ? { taskId: event.payload["task_id"] } : {}) }, from);
    return { fired: false, reason: "max_spawn_depth", message: chain.message };
  }
  const own = tasksOf(tasks, trigger);
  const decision = decideFiring(trigger.spec.concurrencyPolicy, own);
  if (!decision.fire) {
    const message = `a task of this trigger is still active (${decision.active.join(", ")}) and concurrencyPolicy is Forbid`;
    skipInTransaction(store, r, trigger, decision.reason, message, { source, active: decision.active }, from);
    return { fired: false, reason: decision.reason, message };
  }
  const cancelled: TaskRecord[] = [];
  for (const id of decision.cancel) {
    const before = own.find((t) => t.id === id)!;
    markCancelled(tasks, before, `cancelled: trigger/${trigger.name} fired again and its concurrencyPolicy is Replace`);
    cancelled.push(before);
  }
  const action = trigger.spec.action;
  const payload = event?.payload ?? (cause.kind === "manual" ? cause.payload : undefined);
  let task: TaskRecord;
  try {
    task = submit(store, tasks, home, {
      kind: "Task",
      origin: "trigger",
      project: trigger.project,
      name: triggerTaskName(trigger.name),
      workflow: action.workflow,
      workspace: action.workspace,
      goal: action.goal ?? defaultGoal(trigger.name, event, payload),
      // The payload's variables, then action.args: the manifest's own values win a clash.
      ...(payload || Object.keys(action.vars).length ? { vars: { ...(payload ? payloadVariables(payload) : {}), ...action.vars } } : {}),
      start: action.start,
      cwd: home.root,
      ...(chain.depth > 0 ? { triggerDepth: chain.depth } : {}),
    }).task;
  } catch (err) {
    if (!(err instanceof SubmitError)) throw err;
    throw new RejectedFiring(err.message);
  }
  // Last, so a delivery another process took first rolls this whole firing back.
  if (from.delivery !== undefined) recordDelivery(store, trigger, from.delivery, "fired", task.id);
  store.appendEvent({
    type: "trigger_fired",
    project: trigger.project,
    kind: "Trigger",
    name: trigger.name,
    taskId: task.id,
    message: `trigger/${trigger.name} fired (${source}${cause.kind === "cron" ? ` tick ${scheduledAt}` : ""}${cause.kind === "manual" ? ` by ${cause.by}` : ""}): created task ${task.id}${cancelled.length ? `, cancelled ${cancelled.map((t) => t.id).join(", ")}` : ""}`,
    actor: cause.kind === "manual" ? cause.by : ACTOR,
    data: {
      trigger: trigger.name,
      source,
      scheduledTime: scheduledAt,
      taskId: task.id,
      cancelled: cancelled.map((t) => t.id),
      ...(chain.depth > 0 ? { depth: chain.depth } : {}),
      ...(from.delivery !== undefined ? { delivery: from.delivery } : {}),
    },
  });
  const status: TriggerStatus = { ...readTriggerStatus(r), lastFiringTime: new Date().toISOString(), lastTaskId: task.id, active: activeIds(tasksOf(tasks, trigger)) };
  if (cause.kind !== "manual") status.lastScheduleTime = scheduledAt;
  if (eventId !== undefined) status.lastEventId = eventId;
  storeTriggerStatus(store, r, status);
  return { fired: true, task, cancelled };
}

/** A firing the task submission refused (its workflow or workspace is gone, say); its transaction rolls back. */
class RejectedFiring extends Error {
  override name = "RejectedFiring";
}

/** What a cause fires for: the stored task event or webhook delivery it records. */
function originOf(cause: FireCause): FiringOrigin {
  if (cause.kind !== "event") return {};
  return { ...(cause.eventId !== undefined ? { eventId: cause.eventId } : {}), ...(cause.delivery !== undefined ? { delivery: cause.delivery } : {}) };
}

function skipInTransaction(store: Store, r: StoredResource, trigger: TriggerDef, reason: string, message: string, data: JsonObject, from: FiringOrigin): void {
  const { eventId, delivery } = from;
  if (delivery !== undefined) recordDelivery(store, trigger, delivery, reason, null);
  store.appendEvent({
    type: "trigger_skipped",
    project: trigger.project,
    kind: "Trigger",
    name: trigger.name,
    message: `trigger/${trigger.name} skipped a firing: ${message}`,
    actor: ACTOR,
    data: { trigger: trigger.name, reason, ...data, ...(delivery !== undefined ? { delivery } : {}) },
  });
  const status: TriggerStatus = { ...readTriggerStatus(r), lastSkipped: { time: new Date().toISOString(), reason, message } };
  if (eventId !== undefined) status.lastEventId = eventId;
  storeTriggerStatus(store, r, status);
}

/** The trigger's tasks (origin `trigger`, its name, its project), oldest first. */
export function tasksOf(tasks: TaskStore, trigger: { project: string; name: string }): TaskRecord[] {
  return tasks.listTasks({ project: trigger.project, origin: "trigger" }).filter((t) => isTaskOfTrigger(t, trigger));
}

export function activeIds(own: readonly TaskRecord[]): string[] {
  return own.filter((t) => isActive(t.phase)).map((t) => t.id);
}

/**
 * Deletes the trigger's finished tasks beyond its history limit, with the
 * Task resources made for them, in one transaction; returns the deleted ids.
 */
export function pruneHistory(ctx: FireContext, trigger: TriggerDef): string[] {
  const { store, tasks, home } = ctx;
  const removedKeys: { project: string; kind: string; name: string }[] = [];
  // Most passes find nothing to prune: no write transaction for those.
  if (tasksToPrune(tasksOf(tasks, trigger), trigger.spec.historyLimit).length === 0) return [];
  const ids = store.writeTransaction((): string[] => {
    const own = tasksOf(tasks, trigger);
    const prune = tasksToPrune(own, trigger.spec.historyLimit);
    if (prune.length === 0) return [];
    const doomed = own.filter((t) => prune.includes(t.id));
    tasks.deleteTasks(prune, ACTOR);
    // The Task resource made for each (as `task delete` removes an imperative task's).
    const changes: ResourceChange[] = [];
    for (const t of doomed) {
      if (!t.resourceKind || !t.resourceName) continue;
      const key = { project: t.project, kind: t.resourceKind, name: t.resourceName };
      const res = store.getResource(key);
      if (!res || res.origin.appliedBy !== "task-create") continue;
      if (tasks.listTasks({ project: t.project, resourceKind: t.resourceKind, resourceName: t.resourceName }).length > 0) continue;
      changes.push({ op: "delete", key, reason: "deleted" });
      removedKeys.push(key);
    }
    if (changes.length) store.commit(changes, ACTOR);
    return prune;
  });
  for (const key of removedKeys) removeStatusFile(home, key);
  return ids;
}

/**
 * Brings the stored status in line with the tasks (active ones finish, get
 * cancelled or deleted by hand) and the plan; returns whether it changed.
 */
export function refreshStatus(ctx: FireContext, trigger: TriggerDef, nextScheduleTime: Date | null): boolean {
  const { store, tasks } = ctx;
  // Read and written in one write transaction, as a firing is: a status read before another
  // process's firing must not be written back over it (its last tick would be lost, and fired again).
  return store.writeTransaction(() => {
    const r = store.getResource(keyOf(trigger));
    if (!r) return false;
    const status = readTriggerStatus(r);
    status.active = activeIds(tasksOf(tasks, trigger));
    if (nextScheduleTime) status.nextScheduleTime = nextScheduleTime.toISOString();
    else delete status.nextScheduleTime;
    return storeTriggerStatus(store, r, status);
  });
}

function keyOf(trigger: { project: string; name: string }): { project: string; kind: string; name: string } {
  return { project: trigger.project, kind: "Trigger", name: trigger.name };
}
