/**
 * @module The SecretStore controller: a change refreshes the agents whose
 * env reads the store (see stores.ts). Values are sealed by the store and
 * redacted by every renderer; nothing here ever reads them.
 */
import { envSourceController } from "./stores.js";
import type { KindController } from "./types.js";

export const secretStoreController: KindController = envSourceController("SecretStore");
