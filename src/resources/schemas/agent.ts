/**
 * @module Agent spec: the command an agent runs, the capabilities it offers,
 * how it is chosen and what environment it gets.
 */
import { celIssues } from "./cel-fields.js";
import {
  boolean, celExpression, isObject, listOf, loose, nonEmptyString, number, object, oneOf, resourceName, string,
  stringList, type KindSpec, type SchemaObject, type SpecIssue,
} from "./common.js";

/** Upstream spells strategies in snake_case; its guide shows PascalCase. */
const STRATEGIES = ["cost_based", "success_rate_weighted", "performance_first", "adaptive", "load_balanced", "capability_aware"];
const PASCAL = STRATEGIES.map((s) => s.replace(/(^|_)([a-z])/g, (_m, _u: string, c: string) => c.toUpperCase()));

const envEntry = object({
  name: nonEmptyString,
  value: string,
  fromRef: resourceName,
  refValue: object({ name: resourceName, key: nonEmptyString }, { required: ["name", "key"] }),
}, { misplaced: { from_ref: "fromRef", ref_value: "refValue", valueFrom: "refValue" } });

const schema: SchemaObject = object({
  command: nonEmptyString,
  capabilities: stringList,
  command_rules: listOf(object({ when: celExpression, command: nonEmptyString }, { required: ["when", "command"] })),
  enabled: boolean,
  /** Set by `agent cordon`: the agent takes no new work. */
  cordoned: boolean,
  metadata: object({ cost: { type: "integer", minimum: 0, maximum: 255 }, description: string, name: string }),
  selection: object({
    strategy: oneOf(...STRATEGIES, ...PASCAL),
    weights: object({ cost: number, success_rate: number, performance: number, load: number }),
  }),
  env: listOf(envEntry),
  promptDelivery: oneOf("arg", "stdin", "file", "env"),
  health_policy: loose,
}, { required: ["command"], misplaced: { prompt_delivery: "promptDelivery", cost: "metadata.cost", capability: "capabilities" } });

function check(spec: Record<string, unknown>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  list(spec["env"]).forEach((e, i) => {
    if (!isObject(e)) return;
    const forms = [e["value"] !== undefined, e["fromRef"] !== undefined, e["refValue"] !== undefined].filter(Boolean).length;
    if (forms !== 1) {
      issues.push({ path: ["env", i], message: "env entry must use exactly one of: name + value, fromRef, name + refValue", hint: "split it into separate entries" });
    } else if (e["fromRef"] === undefined && e["name"] === undefined) {
      issues.push({ path: ["env", i], message: "env entry with value or refValue needs a name" });
    }
  });
  list(spec["command_rules"]).forEach((r, i) => {
    if (isObject(r)) issues.push(...celIssues([[["command_rules", i, "when"], r["when"]]]));
  });
  return issues;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export const agent: KindSpec = { schema, check };
