/**
 * @module The controller of every kind a CustomResourceDefinition defines:
 * instances are validated against their CRD's schema and CEL rules by the
 * pipeline, and set nothing in motion.
 */
import type { KindController } from "./types.js";

export function customResourceController(kind: string): KindController {
  return { kind };
}
