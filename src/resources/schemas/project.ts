/**
 * @module Project spec: an isolation domain for resources; only a description.
 */
import { object, string, type KindSpec } from "./common.js";

export const project: KindSpec = { schema: object({ description: string }) };
