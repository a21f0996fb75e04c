/**
 * @module The StoreBackendProvider controller: nothing beyond the schema; a
 * WorkflowStore naming the provider runs its commands when a step or the
 * `store` command reads or writes an entry.
 */
import { passiveController } from "./passive.js";
import type { KindController } from "./types.js";

export const storeBackendProviderController: KindController = passiveController("StoreBackendProvider");
