/**
 * @module Rendering a step's prompt, then its agent's command: the pipeline
 * variables (large ones spilled to files), the StepTemplate prompt, and the
 * command with the same variables plus the prompt-delivery placeholders
 * (`{prompt}` or `{prompt_file}`), quoted for the shell.
 */
import { renderCommand, type RenderedCommand } from "../shell-quote.js";
import { placeholderNames } from "./placeholder.js";
import { renderTemplate } from "./render.js";
import { spillLargeValues, type SpilledFile } from "./spill.js";
import { pipelineVariables, type PromptContext } from "./variables.js";

export interface StepPromptInput {
  context: PromptContext;
  /** The StepTemplate's `prompt`; without one, the prompt is the task goal. */
  template?: string;
  /** Where values over the inline limit are written. Use one directory per task. */
  spillDir: string;
  /** Other text rendered with the same variables (the agent's or step's command), for the `{<key>_path}` it asks for. */
  alsoRendered?: readonly string[];
}

export interface StepPrompt {
  prompt: string;
  /** Placeholders in the prompt that had no value and were left as written. */
  unresolved: string[];
  /** The variables the prompt was rendered with (after spilling); reuse them for the command. */
  vars: Record<string, string>;
  spilled: SpilledFile[];
}

export function renderStepPrompt(input: StepPromptInput): StepPrompt {
  const template = input.template ?? "{goal}";
  const referenced = [template, ...(input.alsoRendered ?? [])].flatMap(placeholderNames);
  const { vars, files } = spillLargeValues(pipelineVariables(input.context), input.spillDir, referenced);
  const rendered = renderTemplate(template, vars);
  return { prompt: rendered.text, unresolved: rendered.unresolved, vars, spilled: files };
}

/**
 * The agent's (or a command step's) shell command with the pipeline variables
 * and the delivery placeholders (`{prompt: ...}` in `arg` mode); placeholders
 * win over pipeline variables of the same name.
 */
export function renderAgentCommand(
  command: string,
  vars: Readonly<Record<string, string>>,
  placeholders: Readonly<Record<string, string>> = {},
): RenderedCommand {
  return renderCommand(command, { ...vars, ...placeholders });
}
