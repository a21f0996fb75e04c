/**
 * @module The WorkflowStore controller: nothing beyond the schema; steps read the store when they run.
 */
import { passiveController } from "./passive.js";
import type { KindController } from "./types.js";

export const workflowStoreController: KindController = passiveController("WorkflowStore");
