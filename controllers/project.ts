/**
 * @module The Project controller: nothing beyond the schema. A Project is
 * not inside a project; a `metadata.project` written on one is reported by
 * validation (validate.ts), as for every cluster-wide kind.
 */
import { passiveController } from "./passive.js";
import type { KindController } from "./types.js";

export const projectController: KindController = passiveController("Project");
