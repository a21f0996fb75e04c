/**
 * @module What EnvStore and SecretStore share: agents read their env from
 * them (`fromRef`, `refValue`), so a changed store refreshes the project's
 * agent registry as an agent change does.
 */
import { projectsOf } from "./support.js";
import type { KindController } from "./types.js";

export function envSourceController(kind: "EnvStore" | "SecretStore"): KindController {
  return {
    kind,
    async afterCommit(changes, ctx) {
      const registry = ctx.hooks.agents;
      if (!registry) return;
      for (const project of projectsOf(changes.filter((c) => c.verb !== "unchanged"))) await registry.refresh({ project });
    },
  };
}
