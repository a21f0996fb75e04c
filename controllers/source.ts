/**
 * @module The Source controller: nothing to start after a commit. The
 * reconciler reads the stored Sources on every tick (a new one is passed
 * over at once, a changed interval or suspension takes effect at its next
 * look, a deleted one is dropped, and its inventory goes with it in the
 * same transaction; see source-resource-migration.ts).
 */
import { passiveController } from "./passive.js";
import type { KindController } from "./types.js";

export const sourceController: KindController = passiveController("Source");
