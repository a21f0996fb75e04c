/**
 * @module The ExecutionProfile controller: nothing beyond the schema; steps read the profile when they run.
 */
import { passiveController } from "./passive.js";
import type { KindController } from "./types.js";

export const executionProfileController: KindController = passiveController("ExecutionProfile");
