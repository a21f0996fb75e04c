/**
 * @module The Agent controller: capabilities are a set (order and repeats
 * mean nothing to selection), so they are compared sorted; any change to a
 * project's agents refreshes that project's agent registry.
 */
import type { Resource } from "../src/resources/types.js";
import { projectsOf } from "./support.js";
import type { KindController } from "./types.js";

export const agentController: KindController = {
  kind: "Agent",
  normalize(resource: Resource): Resource {
    const caps = resource.spec["capabilities"];
    if (!Array.isArray(caps) || !caps.every((c) => typeof c === "string")) return resource;
    const sorted = [...new Set(caps as string[])].sort();
    return { ...resource, spec: { ...resource.spec, capabilities: sorted } };
  },
  async afterCommit(changes, ctx) {
    const registry = ctx.hooks.agents;
    if (!registry) return;
    for (const project of projectsOf(changes.filter((c) => c.verb !== "unchanged"))) await registry.refresh({ project });
  },
};
