/**
 * @module The EnvStore controller: a change refreshes the agents whose env
 * reads the store (see stores.ts).
 */
import { envSourceController } from "./stores.js";
import type { KindController } from "./types.js";

export const envStoreController: KindController = envSourceController("EnvStore");
