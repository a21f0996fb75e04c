/**
 * @module The CustomResourceDefinition controller: nothing beyond the schema; the pipeline builds the kind registry from committed CRDs on every pass, so a new kind is known at once.
 */
import { passiveController } from "./passive.js";
import type { KindController } from "./types.js";

export const crdController: KindController = passiveController("CustomResourceDefinition");
