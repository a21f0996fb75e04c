/**
 * @module StepTemplate spec: a prompt with `{variable}` placeholders that a
 * workflow step renders into its agent's `{prompt}`.
 */
import { nonEmptyString, object, string, type KindSpec } from "./common.js";

export const stepTemplate: KindSpec = {
  schema: object({ prompt: nonEmptyString, description: string }, { required: ["prompt"], misplaced: { template: "prompt", text: "prompt" } }),
};
