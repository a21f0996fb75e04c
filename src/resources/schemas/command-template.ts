/**
 * @module Checks of a shell command template (an Agent's `command` and
 * `command_rules[].command`, a Workflow step's `command`) at apply time,
 * by rendering it with a value for every placeholder: a placeholder where
 * the engine would refuse it when the step starts (arithmetic, a variable
 * name, a quoted here-document; see engine/shell-quote.ts) is an error now,
 * and a placeholder in text that a second shell parses again (`bash -c
 * '...'`, `eval`, `su -c`, `ssh host ...`) is a warning: no quoting of the
 * first shell can keep a value from running as code in the second.
 */
import { CommandTemplateError, renderCommand } from "../../engine/shell-quote.js";
import { placeholderNames } from "../../engine/prompt/placeholder.js";
import { reevaluatingCommand } from "../../engine/shell-words.js";
import type { SpecIssue } from "./common.js";

export function commandTemplateIssues(template: unknown, path: Array<string | number>): SpecIssue[] {
  if (typeof template !== "string") return [];
  const names = placeholderNames(template);
  if (names.length === 0) return [];
  const issues: SpecIssue[] = [];
  const warned = new Set<string>();
  try {
    renderCommand(template, Object.fromEntries(names.map((n) => [n, "x"])), {
      observe: (name, at) => {
        const again = reevaluatingCommand(at);
        if (!again || warned.has(name)) return;
        warned.add(name);
        issues.push({
          path,
          severity: "warning",
          message: `placeholder {${name}} is in text that ${again.parsedBy}: a value there (a goal holding $(cmd), say) runs as a command, whatever the quoting`,
          hint: again.takesPositional
            ? `pass the value as a positional parameter after the script (bash -c 'agent "$1"' _ {${name}}) or through stdin or a file (promptDelivery), not inside the script`
            : `${again.command} joins its arguments into one text that a shell parses, so a parameter after a script is parsed too: pass the value through stdin or a file (promptDelivery)`,
        });
      },
    });
  } catch (err) {
    if (!(err instanceof CommandTemplateError)) throw err;
    issues.push({ path, message: err.message, hint: "the engine refuses to start a step with this command; see docs/workflow-semantics.md, \"Agent commands and quoting\"" });
  }
  return issues;
}
