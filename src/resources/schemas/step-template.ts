/**
 * @module StepTemplate spec: a prompt with `{variable}` placeholders that a
 * workflow step renders into its agent's `{prompt}`.
 */
import { describe, nonEmptyString, object, string, type KindSpec } from "./common.js";

export const stepTemplate: KindSpec = {
  schema: object({
    prompt: describe(nonEmptyString, "The prompt text, with {variable} placeholders ({goal}, {rel_path}, pipeline variables, ...) filled when a step renders it."),
    description: describe(string, "What the template is for."),
  }, {
    required: ["prompt"],
    misplaced: { template: "prompt", text: "prompt" },
    description: "A prompt with {variable} placeholders. A workflow step names it in `template`; the rendered text becomes the agent's {prompt}.",
  }),
};
