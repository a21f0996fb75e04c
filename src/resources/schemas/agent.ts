/**
 * @module Agent spec: the command an agent runs, the capabilities it offers,
 * how it is chosen and what environment it gets.
 */
import { celIssues } from "./cel-fields.js";
import { commandTemplateIssues } from "./command-template.js";
import { envIssues, envList } from "./env.js";
import {
  boolean, celExpression, isObject, listOf, loose, nonEmptyString, number, object, oneOf, string,
  stringList, type KindSpec, type SchemaObject, type SpecIssue,
} from "./common.js";

/** Upstream spells strategies in snake_case; its guide shows PascalCase. */
const STRATEGIES = ["cost_based", "success_rate_weighted", "performance_first", "adaptive", "load_balanced", "capability_aware"];
const PASCAL = STRATEGIES.map((s) => s.replace(/(^|_)([a-z])/g, (_m, _u: string, c: string) => c.toUpperCase()));

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
  env: envList,
  promptDelivery: oneOf("arg", "stdin", "file", "env"),
  health_policy: loose,
}, { required: ["command"], misplaced: { prompt_delivery: "promptDelivery", cost: "metadata.cost", capability: "capabilities" } });

function check(spec: Record<string, unknown>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  issues.push(...envIssues(spec["env"]));
  issues.push(...commandTemplateIssues(spec["command"], ["command"]));
  list(spec["command_rules"]).forEach((r, i) => {
    if (!isObject(r)) return;
    issues.push(...celIssues([[["command_rules", i, "when"], r["when"]]]));
    issues.push(...commandTemplateIssues(r["command"], ["command_rules", i, "command"]));
  });
  return issues;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export const agent: KindSpec = { schema, check };
