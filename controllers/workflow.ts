/**
 * @module The Workflow controller: nothing beyond the schema and `orchestrator check`; a task reads its workflow when it starts, so a change applies to tasks started afterwards.
 */
import { passiveController } from "./passive.js";
import type { KindController } from "./types.js";

export const workflowController: KindController = passiveController("Workflow");
