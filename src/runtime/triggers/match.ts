/**
 * @module Which events fire an event trigger, pure. A task event (from the
 * store's events table) or a file change becomes a payload; a trigger
 * matches it when the source agrees, it is in the trigger's project, it
 * happened after the trigger was created, it is not about one of the
 * trigger's own tasks (a trigger never re-fires on its own output),
 * `filter.workflow` names the task's workflow, and `filter.condition` holds.
 *
 * The condition reads the payload as upstream's webhook filters do: every
 * top-level field as `payload_<field>` (`payload_workflow == 'build'`), the
 * whole payload as the map `payload` and as the JSON text `payload_json`.
 */
import { evaluateCel } from "../../cel/compile.js";
import type { JsonObject, JsonValue } from "../../resources/types.js";
import type { StoredEvent } from "../../store/store.js";
import { triggerTaskName } from "./policy.js";
import type { FileChange, TriggerDef } from "./spec.js";

export interface TriggerEvent {
  source: "task_completed" | "task_failed" | "filesystem" | "webhook";
  /** The project the event is about; a file change belongs to the trigger watching it. */
  project: string;
  /** When it happened (ISO). */
  time: string;
  /** Task events: who made the task and its name, to tell a trigger's own tasks. */
  origin?: string;
  taskName?: string;
  workflow?: string;
  /** Task events: how many trigger firings deep the task was (TaskSpecRecord.triggerDepth). */
  chainDepth?: number;
  payload: JsonObject;
}

export type MatchResult = { match: true } | { match: false; error?: string };

const TASK_EVENTS: ReadonlySet<string> = new Set(["task_completed", "task_failed"]);

/** A stored `task_completed`/`task_failed` event as a trigger event; undefined for other events. */
export function taskEventOf(e: StoredEvent): TriggerEvent | undefined {
  if (!TASK_EVENTS.has(e.type) || e.project === null) return undefined;
  const data = e.data ?? {};
  const payload: JsonObject = { event_type: e.type, project: e.project, timestamp: e.ts };
  if (e.taskId) payload["task_id"] = e.taskId;
  const copy = (from: string, to: string): void => {
    const v = data[from];
    if (v !== undefined && v !== null) payload[to] = v;
  };
  copy("task", "task_name");
  copy("workflow", "workflow");
  copy("phase", "phase");
  copy("origin", "origin");
  copy("exitCode", "exit_code");
  copy("message", "message");
  const event: TriggerEvent = { source: e.type as TriggerEvent["source"], project: e.project, time: e.ts, payload };
  if (typeof data["origin"] === "string") event.origin = data["origin"];
  if (typeof data["task"] === "string") event.taskName = data["task"];
  if (typeof data["workflow"] === "string") event.workflow = data["workflow"];
  event.chainDepth = typeof data["triggerDepth"] === "number" ? data["triggerDepth"] : 0;
  return event;
}

/** A file change under a watched path, with upstream's payload fields. */
export function fileEventOf(project: string, change: FileChange, absPath: string, time: string): TriggerEvent {
  const slash = absPath.lastIndexOf("/");
  return {
    source: "filesystem",
    project,
    time,
    payload: { event_type: change, path: absPath, filename: absPath.slice(slash + 1), dir: slash > 0 ? absPath.slice(0, slash) : "/", timestamp: time },
  };
}

/** The variables a `filter.condition` reads. */
export function conditionVariables(payload: JsonObject): Record<string, unknown> {
  const vars: Record<string, unknown> = { payload, payload_json: JSON.stringify(payload) };
  for (const [k, v] of Object.entries(payload)) vars[`payload_${k}`] = v;
  return vars;
}

export function matchEvent(trigger: TriggerDef, event: TriggerEvent): MatchResult {
  const source = trigger.spec.source;
  if (source.kind === "cron") return { match: false };
  if (event.source !== (source.kind === "task_event" ? source.source : source.kind)) return { match: false };
  if (event.project !== trigger.project || event.time < trigger.createdAt) return { match: false };
  if (event.origin === "trigger" && event.taskName === triggerTaskName(trigger.name)) return { match: false };
  if ("workflow" in source && source.workflow !== undefined && event.workflow !== source.workflow) return { match: false };
  if (source.condition === undefined) return { match: true };
  let result: unknown;
  try {
    result = evaluateCel(source.condition, conditionVariables(event.payload));
  } catch (err) {
    return { match: false, error: `filter.condition: ${firstLine(err)}` };
  }
  if (typeof result !== "boolean") return { match: false, error: `filter.condition must be a bool, got ${typeof result === "bigint" ? "int" : typeof result}` };
  return { match: result };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "evaluation failed";
}

/** A webhook delivery's JSON body as a trigger event (a body that is not an object is `{body: ...}`). */
export function webhookEventOf(project: string, body: JsonValue, time: string): TriggerEvent {
  const payload: JsonObject = body !== null && typeof body === "object" && !Array.isArray(body) ? body : { body };
  return { source: "webhook", project, time, payload };
}

/** Characters a pipeline variable name may hold; other characters of a payload key become `_`. */
const VAR_NAME = /[^A-Za-z0-9_]/g;

/**
 * A payload as the created task's pipeline variables, as the filter reads
 * it: `payload_json` (the whole payload as JSON) and `payload_<field>` for
 * each top-level field (strings as they are, anything else as JSON).
 */
export function payloadVariables(payload: JsonObject): Record<string, string> {
  const vars: Record<string, string> = { payload_json: JSON.stringify(payload) };
  for (const [k, v] of Object.entries(payload)) {
    const name = `payload_${k.replace(VAR_NAME, "_")}`;
    if (name in vars) continue;
    vars[name] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return vars;
}

/** What a created task's goal says when `action.goal` does not set one (as upstream words it). */
export function defaultGoal(trigger: string, event?: TriggerEvent, manualPayload?: JsonObject): string {
  if (!event) return manualPayload ? `Triggered by: ${trigger}: ${summarize(manualPayload)}` : `Triggered by: ${trigger}`;
  const p = event.payload;
  if (event.source === "filesystem") return `Triggered by filesystem '${trigger}': ${str(p["event_type"])} ${str(p["filename"])}`;
  return `Triggered by '${trigger}': ${summarize(p)}`;
}

function summarize(p: JsonObject): string {
  const summary = JSON.stringify(p);
  return summary.length > 500 ? `${summary.slice(0, 497)}...` : summary;
}

const str = (v: JsonValue | undefined): string => (typeof v === "string" ? v : JSON.stringify(v ?? ""));
