/**
 * @module Trigger spec: create a Task on a cron schedule or on an event, as a
 * Kubernetes CronJob does, with a concurrency policy and history limit.
 * Exactly one of `cron` and `event`; the schedule, time zone and event
 * filter are checked here, not first when the scheduler runs them.
 */
import { checkCronExpression, checkTimeZone } from "../cron.js";
import { celIssues } from "./cel-fields.js";
import {
  boolean, celExpression, isObject, listOf, nonEmptyString, nonNegativeInt, object, oneOf, resourceName,
  stringList, type KindSpec, type SchemaObject, type SpecIssue,
} from "./common.js";

const POLICIES = ["Allow", "Forbid", "Replace"];

const event = object({
  source: oneOf("task_completed", "task_failed", "webhook", "filesystem"),
  filter: object({ workflow: resourceName, condition: celExpression }),
  webhook: object({ secret: object({ fromRef: resourceName }, { required: ["fromRef"] }), signatureHeader: nonEmptyString, crdRef: nonEmptyString }),
  filesystem: object({
    paths: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
    events: listOf(oneOf("create", "modify", "delete")),
    debounce_ms: nonNegativeInt,
  }, { required: ["paths"] }),
}, { required: ["source"] });

const schema: SchemaObject = object({
  cron: object({ schedule: nonEmptyString, timezone: nonEmptyString }, { required: ["schedule"], misplaced: { tz: "timezone", time_zone: "timezone", expression: "schedule" } }),
  event,
  action: object({
    workflow: resourceName,
    workspace: resourceName,
    goal: { type: "string" },
    args: { type: "object", additionalProperties: stringList },
    start: boolean,
  }, { required: ["workflow", "workspace"] }),
  concurrencyPolicy: oneOf(...POLICIES),
  /** Accepted spelling seen in upstream templates. */
  concurrency_policy: oneOf(...POLICIES),
  suspend: boolean,
  // A count, or upstream's {successful, failed}; `type` lists both so no anyOf hides unknown keys.
  historyLimit: { type: ["integer", "object"], minimum: 0, properties: { successful: nonNegativeInt, failed: nonNegativeInt }, additionalProperties: false },
  throttle: object({ minInterval: nonNegativeInt }),
}, { required: ["action"], misplaced: {
  schedule: "cron.schedule",
  tz: "cron.timezone",
  timezone: "cron.timezone",
  time_zone: "cron.timezone",
  workflow: "action.workflow",
  workspace: "action.workspace",
} });

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
  }
  return issues;
}

export const trigger: KindSpec = { schema, check };
