/**
 * @module Project spec: an isolation domain for resources; only a description.
 */
import { describe, object, string, type KindSpec } from "./common.js";

export const project: KindSpec = {
  schema: object(
    { description: describe(string, "What the project is for.") },
    { description: "An isolation domain for resources: resources are keyed by project, kind and name. Needs nothing but a name; a project also exists as soon as a resource is in it." },
  ),
};
