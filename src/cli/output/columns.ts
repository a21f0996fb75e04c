/**
 * @module The table columns `get` shows for each kind; `wide` adds more.
 */
import { isProjectScoped } from "../../resources/kinds.js";
import type { JsonObject, JsonValue } from "../../resources/types.js";
import type { StoredResource } from "../../store/store.js";
import { nextFireTime } from "../../runtime/triggers/schedule.js";
import { formatAge, formatUntil } from "./age.js";
import { formatDuration } from "../../resources/duration.js";
import { redactUrl } from "../../reconcile/git/errors.js";
import { findCondition } from "../../reconcile/conditions.js";
import { shortRevision } from "../../reconcile/digest.js";
import { sourceRecordOf } from "../../store/source-resource.js";
import { isSuspended, type SourceRecord } from "../../store/source-store.js";
import type { Column as ListColumn } from "./printer.js";

type Column = ListColumn<StoredResource>;

const str = (v: JsonValue | undefined): string => (v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
const list = (v: JsonValue | undefined): string => (Array.isArray(v) ? v.map(str).join(",") : str(v));
const spec = (r: StoredResource): JsonObject => r.spec;
const truncate = (s: string, n = 60): string => (s.length > n ? s.slice(0, n - 1) + "…" : s);
const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim();

const steps = (r: StoredResource): JsonValue[] => (Array.isArray(spec(r)["steps"]) ? (spec(r)["steps"] as JsonValue[]) : []);
const stepId = (s: JsonValue): string => (s && typeof s === "object" && !Array.isArray(s) ? str(s["id"]) : "");
const phase = (r: StoredResource): string => str(r.status?.["phase"]) || "Pending";

/** A source's directory, or its remote with any credentials taken out. */
export function sourceLocation(s: Pick<SourceRecord, "type" | "dir" | "url">): string {
  return s.type === "git" ? redactUrl(s.url ?? "") : (s.dir ?? "");
}

function sourceRef(s: SourceRecord): string {
  return s.type === "git" ? `${s.ref ?? "(default)"}${s.path ? `:${s.path}` : ""}` : "";
}

/** `True`, or `False (Reason)`; `Unknown` before the first pass. */
export function sourceReady(s: SourceRecord): string {
  const ready = findCondition(s.status.conditions, "Ready");
  return ready ? `${ready.status}${ready.status === "True" ? "" : ` (${ready.reason})`}` : "Unknown";
}

const KIND_COLUMNS: Record<string, Column[]> = {
  Agent: [
    { header: "CAPABILITIES", value: (r) => list(spec(r)["capabilities"]) },
    { header: "COMMAND", value: (r) => truncate(oneLine(str(spec(r)["command"]))), wide: true },
  ],
  Workflow: [
    { header: "STEPS", value: (r) => String(steps(r).length) },
    { header: "LOOP", value: (r) => str((spec(r)["loop"] as JsonObject | undefined)?.["mode"]) || "once" },
    { header: "STEP IDS", value: (r) => steps(r).map(stepId).join(","), wide: true },
  ],
  Workspace: [
    { header: "ROOT", value: (r) => str(spec(r)["root_path"]) },
    { header: "QA TARGETS", value: (r) => list(spec(r)["qa_targets"]), wide: true },
    { header: "TICKET DIR", value: (r) => str(spec(r)["ticket_dir"]), wide: true },
  ],
  StepTemplate: [{ header: "DESCRIPTION", value: (r) => truncate(oneLine(str(spec(r)["description"]))) }],
  ExecutionProfile: [
    { header: "MODE", value: (r) => str(spec(r)["mode"]) || "host" },
    { header: "FS", value: (r) => str(spec(r)["fs_mode"]) || "inherit", wide: true },
    { header: "NETWORK", value: (r) => str(spec(r)["network_mode"]) || "inherit", wide: true },
  ],
  SecretStore: [{ header: "KEYS", value: (r) => String(Object.keys((spec(r)["data"] as JsonObject | undefined) ?? {}).length) }],
  EnvStore: [{ header: "KEYS", value: (r) => String(Object.keys((spec(r)["data"] as JsonObject | undefined) ?? {}).length) }],
  // As `kubectl get cronjobs` shows them: the scheduler's status, and the next tick computed from the schedule.
  Trigger: [
    { header: "SCHEDULE", value: (r) => triggerSchedule(r) },
    { header: "WORKFLOW", value: (r) => str((spec(r)["action"] as JsonObject | undefined)?.["workflow"]) },
    { header: "SUSPENDED", value: (r) => (triggerSuspended(r) ? "true" : "false") },
    { header: "ACTIVE", value: (r) => String(Array.isArray(r.status?.["active"]) ? r.status["active"].length : 0) },
    { header: "LAST FIRING", value: (r) => lastFiring(r) },
    { header: "NEXT FIRING", value: (r) => nextFiring(r) },
    { header: "LAST TASK", value: (r) => str(r.status?.["lastTaskId"]) || "<none>", wide: true },
  ],
  // As `flux get sources git` shows them; wide adds the project and prune.
  Source: [
    { header: "TYPE", value: (r) => sourceRecordOf(r).type },
    { header: "URL/DIR", value: (r) => sourceLocation(sourceRecordOf(r)) },
    { header: "REF", value: (r) => sourceRef(sourceRecordOf(r)), wide: true },
    { header: "INTERVAL", value: (r) => formatDuration(sourceRecordOf(r).intervalMs) },
    { header: "PROJECT", value: (r) => sourceRecordOf(r).project, wide: true },
    { header: "PRUNE", value: (r) => String(sourceRecordOf(r).prune), wide: true },
    { header: "SUSPENDED", value: (r) => String(isSuspended(sourceRecordOf(r))) },
    { header: "READY", value: (r) => sourceReady(sourceRecordOf(r)) },
    { header: "REVISION", value: (r) => (sourceRecordOf(r).status.lastAppliedRevision ? shortRevision(sourceRecordOf(r).status.lastAppliedRevision!) : "") },
  ],
  CustomResourceDefinition: [
    { header: "KIND", value: (r) => str(spec(r)["kind"]) },
    { header: "GROUP", value: (r) => str(spec(r)["group"]) },
  ],
  Task: [
    { header: "WORKFLOW", value: (r) => str(spec(r)["workflow"]) },
    { header: "PHASE", value: phase },
  ],
  Run: [
    { header: "WORKFLOW", value: (r) => str(spec(r)["workflow"]) || `template:${str(spec(r)["template"])}` },
    { header: "PHASE", value: phase },
  ],
};

function triggerSchedule(r: StoredResource): string {
  const cron = spec(r)["cron"] as JsonObject | undefined;
  if (cron) return str(cron["schedule"]);
  const event = spec(r)["event"] as JsonObject | undefined;
  return `on ${str(event?.["source"]) || "event"}`;
}

function triggerSuspended(r: StoredResource): boolean {
  return spec(r)["suspend"] === true || (r.status?.["suspended"] !== undefined && r.status["suspended"] !== null);
}

function lastFiring(r: StoredResource): string {
  const at = r.status?.["lastFiringTime"] ?? r.status?.["lastScheduleTime"];
  return typeof at === "string" ? `${formatAge(at)} ago` : "<none>";
}

/** The next tick of a cron trigger that is not suspended, from its schedule (missed ticks are not replayed). */
function nextFiring(r: StoredResource): string {
  const cron = spec(r)["cron"] as JsonObject | undefined;
  if (!cron || triggerSuspended(r) || typeof cron["schedule"] !== "string") return "<none>";
  const last = r.status?.["lastScheduleTime"];
  const now = new Date();
  const after = typeof last === "string" && Date.parse(last) > now.getTime() ? new Date(last) : now;
  try {
    const next = nextFireTime(cron["schedule"], typeof cron["timezone"] === "string" ? cron["timezone"] : "UTC", after);
    return next ? formatUntil(next.toISOString(), now.getTime()) : "<none>";
  } catch {
    return "<invalid>";
  }
}

/** The columns of `get KIND`, those for `-o wide` marked; PROJECT first when listing every project. */
export function resourceColumns(kind: string, allProjects: boolean): Column[] {
  const cols: Column[] = [];
  if (allProjects && isProjectScoped(kind)) cols.push({ header: "PROJECT", value: (r) => r.metadata.project });
  cols.push({ header: "NAME", value: (r) => r.metadata.name });
  cols.push(...(KIND_COLUMNS[kind] ?? []));
  cols.push({ header: "GENERATION", value: (r) => String(r.generation), wide: true });
  cols.push({ header: "APPLIED BY", value: (r) => r.origin.appliedBy, wide: true });
  cols.push({ header: "AGE", value: (r) => (r.createdAt ? formatAge(r.createdAt) : "<unknown>") });
  return cols;
}

