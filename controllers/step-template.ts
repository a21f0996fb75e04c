/**
 * @module The StepTemplate controller: nothing beyond the schema; prompts are rendered from the template when a step runs.
 */
import { passiveController } from "./passive.js";
import type { KindController } from "./types.js";

export const stepTemplateController: KindController = passiveController("StepTemplate");
