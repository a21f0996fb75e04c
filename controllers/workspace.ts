/**
 * @module The Workspace controller: nothing beyond the schema; a task resolves its workspace when it starts.
 */
import { passiveController } from "./passive.js";
import type { KindController } from "./types.js";

export const workspaceController: KindController = passiveController("Workspace");
