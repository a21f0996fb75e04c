/**
 * @module An Agent's `command_rules`: conditional commands. Each rule's
 * `when` is CEL over the step's pipeline variables, by name (`--set` vars,
 * captures of the task and of the item, the step's `step_vars`); a name
 * with no value reads as the empty string. The first rule that holds gives
 * the command; when none does, the agent's `command` runs. A rule that
 * cannot be evaluated, or is not a bool, fails the step: a command chosen by
 * a broken rule is not run.
 */
import { celVariables } from "../../cel/identifiers.js";
import type { Resource } from "../../resources/types.js";
import type { CelVars } from "../prehook/context.js";
import { evaluateBool, PrehookError } from "../prehook/evaluate.js";

export interface CommandChoice {
  command: string;
  /** Index of the rule that matched; undefined for the agent's own command. */
  rule?: number;
}

export class CommandRuleError extends Error {
  override name = "CommandRuleError";
}

export function chooseAgentCommand(agent: Resource, vars: Readonly<Record<string, string>>): CommandChoice {
  const base = typeof agent.spec["command"] === "string" ? agent.spec["command"] : "";
  const rules = Array.isArray(agent.spec["command_rules"]) ? agent.spec["command_rules"] : [];
  for (const [i, raw] of rules.entries()) {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) continue;
    const when = typeof raw["when"] === "string" ? raw["when"] : undefined;
    const command = typeof raw["command"] === "string" ? raw["command"] : undefined;
    if (!when || !command) continue;
    const scope: CelVars = {};
    for (const name of celVariables(when) ?? []) scope[name] = vars[name] ?? "";
    let holds: boolean;
    try {
      holds = evaluateBool(when, scope, `agent '${agent.metadata.name}' command_rules[${i}]`);
    } catch (err) {
      throw new CommandRuleError(err instanceof PrehookError ? err.message : String(err));
    }
    if (holds) return { command, rule: i };
  }
  return { command: base };
}
