/**
 * @module Trigger spec: create a Task on a cron schedule or on an event, as a
 * Kubernetes CronJob does, with a concurrency policy and history limit.
 * Exactly one of `cron` and `event`; the schedule, time zone and event
 * filter are checked here, not first when the scheduler runs them.
 */
import { checkCronExpression, checkTimeZone } from "../cron.js";
import { celIssues } from "./cel-fields.js";
import {
  boolean, celExpression, describe, isObject, listOf, nonEmptyString, nonNegativeInt, object, oneOf, resourceName,
  type KindSpec, type SchemaObject, type SpecIssue,
} from "./common.js";

const POLICIES = ["Allow", "Forbid", "Replace"];

const event = object({
  source: describe(
    oneOf("task_completed", "task_failed", "webhook", "filesystem"),
    "What fires the trigger: a task of the trigger's project completing or failing (never one of the trigger's own tasks), or a file change; webhook is not supported yet.",
  ),
  filter: object({
    workflow: describe(resourceName, "Only events of tasks of this workflow (a file change has no workflow, so it never matches)."),
    condition: describe(celExpression, "Only events for which this CEL expression holds; it reads payload_<field>, the map payload and the JSON text payload_json. A condition that fails to evaluate skips the event."),
  }, { description: "Which events fire the trigger." }),
  webhook: object({
    secret: object(
      { fromRef: describe(resourceName, "The SecretStore holding the signing secret.") },
      { required: ["fromRef"], description: "Secret the request signature is checked with (not supported yet)." },
    ),
    signatureHeader: describe(nonEmptyString, "Header that carries the signature (not supported yet)."),
    crdRef: describe(nonEmptyString, "Custom resource that processes the request (not supported yet)."),
  }, { description: "Webhook settings (not supported yet)." }),
  filesystem: object({
    paths: {
      type: "array",
      minItems: 1,
      items: { type: "string", minLength: 1 },
      description: "Files or directories to watch, relative to the root of action.workspace; a directory's own entries are watched, not its subdirectories'. Paths outside the workspace, in .git or .orchestrator/, and dot-files are not watched.",
    },
    events: describe(listOf(oneOf("create", "modify", "delete")), "Which changes fire (default all three)."),
    debounce_ms: describe(nonNegativeInt, "Changes within this window (from the first) fire once, for the latest change (default 500); 0 fires on every change."),
  }, { required: ["paths"], description: "File changes that fire the trigger (with source: filesystem)." }),
}, { required: ["source"], description: "Fire on an event instead of a schedule." });

const policy = "While a task of this trigger is still active (pending, running or paused): Allow starts another anyway; Forbid skips this firing; Replace cancels the active one and starts the new one (default Forbid).";

const schema: SchemaObject = object({
  cron: object({
    schedule: describe(nonEmptyString, "5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first (*/10 * * * * *); @daily-style names are not accepted. Ticks missed while no controller ran are not made up."),
    timezone: describe(nonEmptyString, "IANA time zone the schedule is read in (default UTC), e.g. Europe/Berlin."),
  }, {
    required: ["schedule"],
    misplaced: { tz: "timezone", time_zone: "timezone", expression: "schedule" },
    description: "Fire on a schedule.",
  }),
  event,
  action: object({
    workflow: describe(resourceName, "The workflow of the created task."),
    workspace: describe(resourceName, "The workspace of the created task."),
    goal: describe({ type: "string" }, "The created task's goal (default 'Triggered by: <name>', or a summary of the event)."),
    args: {
      type: "object",
      additionalProperties: { type: ["string", "array"], items: { type: "string" } },
      description: "The created task's pipeline variables, as --set name=value: each name takes one value, written as a string or a list of one string; they win over the payload's variables of the same name. The goal is action.goal, not an argument.",
    },
    start: describe(boolean, "Queue the created task at once (default true); false creates it Pending for `task start`."),
  }, { required: ["workflow", "workspace"], description: "The Task a firing creates." }),
  concurrencyPolicy: describe(oneOf(...POLICIES), policy),
  /** Accepted spelling seen in upstream templates. */
  concurrency_policy: describe(oneOf(...POLICIES), "Accepted spelling of concurrencyPolicy; setting both to different values is an error."),
  suspend: describe(boolean, "true pauses the trigger without deleting it: no ticks, and events in the meantime are ignored."),
  // A count, or upstream's {successful, failed}; `type` lists both so no anyOf hides unknown keys.
  historyLimit: {
    type: ["integer", "object"],
    minimum: 0,
    properties: {
      successful: describe(nonNegativeInt, "Completed tasks kept."),
      failed: describe(nonNegativeInt, "Failed and cancelled tasks kept."),
    },
    additionalProperties: false,
    description: "Finished tasks kept per trigger, newest first (default 5 and 5); a number sets both. Older ones are deleted with their Task resources; their events stay.",
  },
  throttle: object(
    { minInterval: describe(nonNegativeInt, "Least seconds from one firing to the next (default 0: no limit). A tick, event or webhook delivery sooner than that is skipped and recorded (trigger_skipped, reason throttled); `trigger fire` is not held back, and counts as a firing.") },
    { description: "Rate limit on firings: a minimum interval between them." },
  ),
}, {
  required: ["action"],
  misplaced: {
    schedule: "cron.schedule",
    tz: "cron.timezone",
    timezone: "cron.timezone",
    time_zone: "cron.timezone",
    workflow: "action.workflow",
    workspace: "action.workspace",
  },
  description: "Creates a Task on a cron schedule or on an event, as a Kubernetes CronJob does; exactly one of cron and event. Only a running controller fires triggers.",
});

function check(spec: Record<string, unknown>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const hasCron = spec["cron"] !== undefined;
  const hasEvent = spec["event"] !== undefined;
  if (hasCron === hasEvent) {
    issues.push({
      path: hasCron ? ["event"] : [],
      message: hasCron ? "a trigger has either cron or event, not both" : "a trigger needs cron (a schedule) or event (a task event, webhook or file change)",
      hint: hasCron ? "split it into two triggers" : "add cron: {schedule: \"0 2 * * *\"} or event: {source: task_completed}",
    });
  }
  const a = spec["concurrencyPolicy"];
  const b = spec["concurrency_policy"];
  if (a !== undefined && b !== undefined && a !== b) {
    issues.push({ path: ["concurrency_policy"], message: `concurrency_policy '${String(b)}' contradicts concurrencyPolicy '${String(a)}'`, hint: "keep concurrencyPolicy only" });
  }
  const cron = spec["cron"];
  if (isObject(cron)) {
    if (typeof cron["schedule"] === "string" && cron["schedule"].trim() !== "") {
      const r = checkCronExpression(cron["schedule"]);
      if (!r.ok) issues.push({ path: ["cron", "schedule"], code: "cron", message: r.message, hint: "e.g. \"0 2 * * *\" (02:00 daily) or \"0 */5 * * * *\" (every 5 minutes, seconds first)" });
    }
    if (typeof cron["timezone"] === "string" && cron["timezone"] !== "") {
      const r = checkTimeZone(cron["timezone"]);
      if (!r.ok) issues.push({ path: ["cron", "timezone"], code: "timezone", message: r.message });
    }
  }
  const ev = spec["event"];
  if (isObject(ev)) {
    if (ev["source"] === "filesystem" && ev["filesystem"] === undefined) {
      issues.push({ path: ["event", "source"], message: "event source 'filesystem' needs event.filesystem.paths", hint: "add filesystem: {paths: [docs/]}" });
    }
    if (isObject(ev["filter"])) issues.push(...celIssues([[["event", "filter", "condition"], ev["filter"]["condition"]]]));
    if (ev["webhook"] !== undefined && ev["source"] !== "webhook") {
      issues.push({ path: ["event", "webhook"], message: `event.webhook applies to event source 'webhook', not '${String(ev["source"])}'`, hint: "set event.source: webhook, or remove event.webhook" });
    }
    if (ev["source"] === "webhook" && isObject(ev["filter"]) && ev["filter"]["workflow"] !== undefined) {
      issues.push({ path: ["event", "filter", "workflow"], message: "filter.workflow narrows task events; a webhook delivery has no workflow", hint: "filter the payload with filter.condition, e.g. \"payload_ref == 'refs/heads/main'\"" });
    }
    if (isObject(ev["webhook"]) && ev["webhook"]["crdRef"] !== undefined) {
      issues.push({
        path: ["event", "webhook", "crdRef"],
        message: "webhook.crdRef (authentication by a CustomResourceDefinition's plugins) is not supported",
        hint: "remove crdRef and sign deliveries with HMAC-SHA256: webhook.secret.fromRef names a SecretStore whose values are the keys",
      });
    }
  }
  issues.push(...argsIssues(spec["action"]));
  return issues;
}

/** `action.args`: variables of one value each, never the goal, and nothing a process cannot be given. */
function argsIssues(action: unknown): SpecIssue[] {
  if (!isObject(action) || !isObject(action["args"])) return [];
  const issues: SpecIssue[] = [];
  for (const [name, value] of Object.entries(action["args"])) {
    const path = ["action", "args", name];
    if (name === "goal") {
      issues.push({ path, message: "the created task's goal is action.goal, not an argument", hint: "move the value to action.goal" });
      continue;
    }
    if (Array.isArray(value) && value.length !== 1) {
      issues.push({
        path,
        message: `argument '${name}' lists ${value.length} values; a task variable takes one`,
        hint: value.length === 0 ? `give it one value (${name}: value), or remove it` : `give one value; for several, join them into one string, or use one argument per value`,
      });
      continue;
    }
    const one = Array.isArray(value) ? value[0] : value;
    if (name.includes("\u0000") || (typeof one === "string" && one.includes("\u0000"))) {
      issues.push({ path, message: `argument '${name.split("\u0000").join("\\0")}' contains a NUL byte`, hint: "a NUL byte cannot be passed to a process; remove it" });
    }
  }
  return issues;
}

export const trigger: KindSpec = { schema, check };
