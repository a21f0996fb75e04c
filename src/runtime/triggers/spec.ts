/**
 * @module A stored Trigger as the scheduler reads it: the effective spec
 * (defaults applied) in typed form. Apply-time validation has already
 * checked the fields, so this only shapes them; a value it cannot read is
 * reported as an error rather than guessed.
 */
import { applyDefaults } from "../../resources/defaults.js";
import type { JsonObject, JsonValue } from "../../resources/types.js";
import type { StoredResource } from "../../store/store.js";
import { readTriggerStatus } from "./status.js";

export type ConcurrencyPolicy = "Allow" | "Forbid" | "Replace";
export type TaskEventSource = "task_completed" | "task_failed";
export type FileChange = "create" | "modify" | "delete";

export interface CronSource {
  kind: "cron";
  schedule: string;
  timezone: string;
}

export interface WebhookTrigger {
  kind: "webhook";
  /** SecretStore whose every value is a key the signature may be made with; none: unsigned (loopback only). */
  secretRef?: string;
  /** Header carrying `sha256=<hex HMAC-SHA256 of the body>`. */
  signatureHeader: string;
  condition?: string;
}

/** The header GitHub signs webhook deliveries in, and the default. */
export const DEFAULT_SIGNATURE_HEADER = "X-Hub-Signature-256";

export interface TaskEventTrigger {
  kind: "task_event";
  source: TaskEventSource;
  workflow?: string;
  condition?: string;
}

export interface FilesystemTrigger {
  kind: "filesystem";
  paths: string[];
  events: FileChange[];
  debounceMs: number;
  workflow?: string;
  condition?: string;
}

export type TriggerSource = CronSource | TaskEventTrigger | FilesystemTrigger | WebhookTrigger;

export interface TriggerAction {
  workflow: string;
  workspace: string;
  goal?: string;
  /** `action.args`: the created task's pipeline variables, one value each. */
  vars: Record<string, string>;
  start: boolean;
}

export interface HistoryLimit {
  successful: number;
  failed: number;
}

export interface TriggerSpec {
  source: TriggerSource;
  action: TriggerAction;
  concurrencyPolicy: ConcurrencyPolicy;
  /** Suspended by the manifest (`spec.suspend`) or at run time (`trigger suspend`). */
  suspend: boolean;
  historyLimit: HistoryLimit;
  /** `throttle.minInterval`: least seconds from one firing to the next; 0 does not throttle. */
  minIntervalSecs: number;
}

/** A stored Trigger the scheduler acts on. */
export interface TriggerDef {
  project: string;
  name: string;
  generation: number;
  createdAt: string;
  spec: TriggerSpec;
}

export class TriggerSpecError extends Error {
  override name = "TriggerSpecError";
}

const isObj = (v: JsonValue | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: JsonValue | undefined): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const count = (v: JsonValue | undefined, fallback: number): number => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : fallback);

/** Reads a stored Trigger; throws TriggerSpecError naming the field it cannot use. */
export function readTrigger(r: StoredResource): TriggerDef {
  const spec = applyDefaults(r).spec;
  return {
    project: r.metadata.project,
    name: r.metadata.name,
    generation: r.generation,
    createdAt: r.createdAt,
    spec: {
      source: readSource(spec),
      action: readAction(spec["action"]),
      concurrencyPolicy: readPolicy(spec["concurrencyPolicy"]),
      suspend: spec["suspend"] === true || readTriggerStatus(r).suspended !== undefined,
      historyLimit: readHistory(spec["historyLimit"]),
      minIntervalSecs: isObj(spec["throttle"]) ? count(spec["throttle"]["minInterval"], 0) : 0,
    },
  };
}

function readSource(spec: JsonObject): TriggerSource {
  const cron = spec["cron"];
  if (isObj(cron)) {
    const schedule = str(cron["schedule"]);
    if (!schedule) throw new TriggerSpecError("spec.cron.schedule is missing");
    return { kind: "cron", schedule, timezone: str(cron["timezone"]) ?? "UTC" };
  }
  const event = spec["event"];
  if (!isObj(event)) throw new TriggerSpecError("the trigger has neither spec.cron nor spec.event");
  const filter = isObj(event["filter"]) ? event["filter"] : {};
  const narrowing: { workflow?: string; condition?: string } = {};
  const workflow = str(filter["workflow"]);
  if (workflow) narrowing.workflow = workflow;
  const condition = str(filter["condition"]);
  if (condition) narrowing.condition = condition;
  const source = event["source"];
  if (source === "task_completed" || source === "task_failed") return { kind: "task_event", source, ...narrowing };
  if (source === "webhook") {
    const hook = isObj(event["webhook"]) ? event["webhook"] : {};
    const secret = isObj(hook["secret"]) ? str(hook["secret"]["fromRef"]) : undefined;
    const out: WebhookTrigger = { kind: "webhook", signatureHeader: str(hook["signatureHeader"]) ?? DEFAULT_SIGNATURE_HEADER };
    if (secret) out.secretRef = secret;
    if (narrowing.condition) out.condition = narrowing.condition;
    return out;
  }
  if (source === "filesystem") {
    const fs = isObj(event["filesystem"]) ? event["filesystem"] : {};
    const paths = Array.isArray(fs["paths"]) ? fs["paths"].filter((p): p is string => typeof p === "string" && p !== "") : [];
    if (paths.length === 0) throw new TriggerSpecError("spec.event.filesystem.paths is empty");
    const events = Array.isArray(fs["events"]) ? fs["events"].filter((e): e is FileChange => e === "create" || e === "modify" || e === "delete") : [];
    return { kind: "filesystem", paths, events: events.length ? events : ["create", "modify", "delete"], debounceMs: count(fs["debounce_ms"], 500), ...narrowing };
  }
  throw new TriggerSpecError(`spec.event.source '${String(source)}' is not supported by the scheduler`);
}

function readAction(v: JsonValue | undefined): TriggerAction {
  if (!isObj(v)) throw new TriggerSpecError("spec.action is missing");
  const workflow = str(v["workflow"]);
  const workspace = str(v["workspace"]);
  if (!workflow || !workspace) throw new TriggerSpecError("spec.action needs workflow and workspace");
  const action: TriggerAction = { workflow, workspace, vars: readArgs(v["args"]), start: v["start"] !== false };
  const goal = str(v["goal"]);
  if (goal) action.goal = goal;
  return action;
}

/**
 * `action.args` as variables: each name takes its one value, written as a
 * string or a list of one string (upstream's spelling). Validation refuses
 * any other list; one stored before that check is not guessed at.
 */
function readArgs(v: JsonValue | undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  if (!isObj(v)) return vars;
  for (const [name, value] of Object.entries(v)) {
    const one = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
    if (typeof one !== "string") throw new TriggerSpecError(`spec.action.args.${name} must be one string (or a list of one string)`);
    vars[name] = one;
  }
  return vars;
}

/** `Allow` unless the trigger says otherwise, as with a Kubernetes CronJob. */
function readPolicy(v: JsonValue | undefined): ConcurrencyPolicy {
  return v === "Forbid" || v === "Replace" ? v : "Allow";
}

function readHistory(v: JsonValue | undefined): HistoryLimit {
  if (typeof v === "number") return { successful: count(v, 5), failed: count(v, 5) };
  const h = isObj(v) ? v : {};
  return { successful: count(h["successful"], 5), failed: count(h["failed"], 5) };
}
