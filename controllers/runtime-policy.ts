/**
 * @module The RuntimePolicy controller: nothing beyond the schema; the runner reads the policy when it starts a task.
 */
import { passiveController } from "./passive.js";
import type { KindController } from "./types.js";

export const runtimePolicyController: KindController = passiveController("RuntimePolicy");
