/**
 * @module Agent spec: the command an agent runs, the capabilities it offers,
 * how it is chosen and what environment it gets.
 */
import { celIssues } from "./cel-fields.js";
import { commandTemplateIssues } from "./command-template.js";
import { envIssues, envList } from "./env.js";
import {
  boolean, celExpression, describe, healthPolicy, isObject, listOf, nonEmptyString, number, object, oneOf, string,
  stringList, type KindSpec, type SchemaObject, type SpecIssue,
} from "./common.js";

/** Upstream spells strategies in snake_case; its guide shows PascalCase. */
const STRATEGIES = ["cost_based", "success_rate_weighted", "performance_first", "adaptive", "load_balanced", "capability_aware"];
const PASCAL = STRATEGIES.map((s) => s.replace(/(^|_)([a-z])/g, (_m, _u: string, c: string) => c.toUpperCase()));

const weight = (what: string, dflt: string): SchemaObject => describe(number, `Weight of ${what} for the Adaptive strategy (default ${dflt}).`);

const schema: SchemaObject = object({
  command: describe(nonEmptyString, "Shell command run with /bin/sh -c. {prompt} and other placeholders are passed safely (quoted, or through stdin, a file or the environment), never pasted."),
  capabilities: describe(stringList, "Capabilities this agent offers: a step needing qa can run on an agent listing qa."),
  command_rules: describe(
    listOf(object({
      when: describe(celExpression, "CEL over the step's pipeline variables (by name; a name without a value reads as \"\"); it must be a bool."),
      command: describe(nonEmptyString, "The command run instead of spec.command when `when` holds."),
    }, { required: ["when", "command"] })),
    "Conditional commands: the first rule whose `when` holds runs its command instead of spec.command; the run records the rule.",
  ),
  enabled: describe(boolean, "false keeps the agent out of selection: it is given no step (a step no other agent can take fails and says so), `check` does not count it, and `agent list` shows it disabled (default true)."),
  /** The manifest's own cordon: the agent takes no new work (`agent cordon` does the same at run time). */
  cordoned: describe(boolean, "true takes the agent out of rotation: it gets no new work, and `check` does not count it; only the manifest lifts it (`agent cordon` does the same at run time)."),
  metadata: object({
    cost: { type: "integer", minimum: 0, maximum: 255, description: "Relative cost for selection, 0-100 (50 when absent)." },
    description: describe(string, "Description of the agent."),
    name: describe(string, "Display name."),
  }, { description: "Cost and display information used by agent selection." }),
  selection: object({
    strategy: describe(oneOf(...STRATEGIES, ...PASCAL), "How this agent is scored (default capability_aware); PascalCase or snake_case."),
    weights: object({
      cost: weight("cost", "0.2"),
      success_rate: weight("success rate", "0.3"),
      performance: weight("performance", "0.25"),
      load: weight("load", "0.25"),
    }, { description: "Weights for the Adaptive strategy." }),
  }, { description: "How this agent is scored when several agents offer a step's capability." }),
  env: describe(envList, "The agent's environment, in order; later entries win."),
  promptDelivery: describe(
    oneOf("arg", "stdin", "file", "env"),
    "How the prompt reaches the process (default arg): arg fills {prompt} in the command; stdin writes it to standard input; file writes it to a file whose path fills {prompt_file} and ORCH_PROMPT_FILE; env sets ORCH_PROMPT.",
  ),
  health_policy: describe(healthPolicy, "When failures make this agent diseased (kept out of selection) and when a capability counts as unhealthy; a field left out comes from the workspace's health_policy, else the defaults."),
}, {
  required: ["command"],
  misplaced: { prompt_delivery: "promptDelivery", cost: "metadata.cost", capability: "capabilities" },
  description: "A command that does work (a coding agent or any script), the capabilities it offers, how it is chosen and what environment it gets.",
});

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
