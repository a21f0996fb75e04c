/**
 * @module The table columns `get` shows for each kind; `wide` adds more.
 */
import { isProjectScoped } from "../../resources/kinds.js";
import type { JsonObject, JsonValue } from "../../resources/types.js";
import type { StoredResource } from "../../store/store.js";
import { formatAge } from "./age.js";

export interface Column {
  header: string;
  value: (r: StoredResource) => string;
  wideOnly?: boolean;
}

const str = (v: JsonValue | undefined): string => (v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
const list = (v: JsonValue | undefined): string => (Array.isArray(v) ? v.map(str).join(",") : str(v));
const spec = (r: StoredResource): JsonObject => r.spec;
const truncate = (s: string, n = 60): string => (s.length > n ? s.slice(0, n - 1) + "…" : s);
const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim();

const steps = (r: StoredResource): JsonValue[] => (Array.isArray(spec(r)["steps"]) ? (spec(r)["steps"] as JsonValue[]) : []);
const stepId = (s: JsonValue): string => (s && typeof s === "object" && !Array.isArray(s) ? str(s["id"]) : "");
const phase = (r: StoredResource): string => str(r.status?.["phase"]) || "Pending";

const KIND_COLUMNS: Record<string, Column[]> = {
  Agent: [
    { header: "CAPABILITIES", value: (r) => list(spec(r)["capabilities"]) },
    { header: "COMMAND", value: (r) => truncate(oneLine(str(spec(r)["command"]))), wideOnly: true },
  ],
  Workflow: [
    { header: "STEPS", value: (r) => String(steps(r).length) },
    { header: "LOOP", value: (r) => str((spec(r)["loop"] as JsonObject | undefined)?.["mode"]) || "once" },
    { header: "STEP IDS", value: (r) => steps(r).map(stepId).join(","), wideOnly: true },
  ],
  Workspace: [
    { header: "ROOT", value: (r) => str(spec(r)["root_path"]) },
    { header: "QA TARGETS", value: (r) => list(spec(r)["qa_targets"]), wideOnly: true },
    { header: "TICKET DIR", value: (r) => str(spec(r)["ticket_dir"]), wideOnly: true },
  ],
  StepTemplate: [{ header: "DESCRIPTION", value: (r) => truncate(oneLine(str(spec(r)["description"]))) }],
  ExecutionProfile: [
    { header: "MODE", value: (r) => str(spec(r)["mode"]) || "host" },
    { header: "FS", value: (r) => str(spec(r)["fs_mode"]) || "inherit", wideOnly: true },
    { header: "NETWORK", value: (r) => str(spec(r)["network_mode"]) || "inherit", wideOnly: true },
  ],
  SecretStore: [{ header: "KEYS", value: (r) => String(Object.keys((spec(r)["data"] as JsonObject | undefined) ?? {}).length) }],
  EnvStore: [{ header: "KEYS", value: (r) => String(Object.keys((spec(r)["data"] as JsonObject | undefined) ?? {}).length) }],
  Trigger: [
    {
      header: "SCHEDULE",
      value: (r) => {
        const cron = spec(r)["cron"] as JsonObject | undefined;
        return cron ? str(cron["schedule"]) : "event";
      },
    },
    { header: "WORKFLOW", value: (r) => str((spec(r)["action"] as JsonObject | undefined)?.["workflow"]) },
    { header: "SUSPENDED", value: (r) => (spec(r)["suspend"] === true ? "true" : "false") },
    // Written by the controller's trigger scheduler, as `kubectl get cronjobs` shows them.
    { header: "ACTIVE", value: (r) => String(Array.isArray(r.status?.["active"]) ? r.status["active"].length : 0) },
    { header: "LAST SCHEDULE", value: (r) => (typeof r.status?.["lastScheduleTime"] === "string" ? formatAge(r.status["lastScheduleTime"]) : "<none>") },
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

export function columnsFor(kind: string, wide: boolean, allProjects: boolean): Column[] {
  const cols: Column[] = [];
  if (allProjects && isProjectScoped(kind)) cols.push({ header: "PROJECT", value: (r) => r.metadata.project });
  cols.push({ header: "NAME", value: (r) => r.metadata.name });
  cols.push(...(KIND_COLUMNS[kind] ?? []).filter((c) => wide || !c.wideOnly));
  if (wide) {
    cols.push({ header: "GENERATION", value: (r) => String(r.generation) });
    cols.push({ header: "APPLIED BY", value: (r) => r.origin.appliedBy });
  }
  cols.push({ header: "AGE", value: (r) => formatAge(r.createdAt) });
  return cols;
}
