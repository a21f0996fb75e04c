/**
 * @module What a resource's content hash covers: everything a user writes
 * except the name and project. The planner and every writer outside it
 * (task submission, `source add`, store migrations) hash the same content.
 */
import type { Resource } from "../resources/types.js";

/** The content that decides `unchanged`. */
export function hashedContent(resource: Pick<Resource, "apiVersion" | "metadata" | "spec">): Record<string, unknown> {
  return {
    apiVersion: resource.apiVersion,
    description: resource.metadata.description ?? null,
    labels: resource.metadata.labels ?? {},
    annotations: resource.metadata.annotations ?? {},
    spec: resource.spec,
  };
}
