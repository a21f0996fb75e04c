/**
 * @module What Task and Run share: a committed generation is handed to the
 * engine once, level-triggered. After every pass each Task/Run the applier
 * owns whose `status.observedGeneration` is below its generation is enqueued
 * again (the engine's enqueue is idempotent), so a crash between the commit
 * and the enqueue, or an engine that was not there, is caught up on the next
 * pass. Without an engine hook, nothing starts and the status stays Pending.
 */
import type { JsonValue } from "../src/resources/types.js";
import type { Store, StoredResource } from "../src/store/store.js";
import { missingReference, stringAt } from "./support.js";
import type { CommittedChange, EffectContext, EngineHook, KindController } from "./types.js";

export function observedGeneration(r: Pick<StoredResource, "status">): number {
  const v: JsonValue | undefined = r.status?.["observedGeneration"];
  return typeof v === "number" ? v : 0;
}

/**
 * Enqueues every Task and Run (of any applier, `apply -f` included) whose
 * generation the engine has not observed yet: what a controller runs at
 * start-up and after its own passes. Returns how many were enqueued.
 */
export async function enqueueUnobserved(store: Store, engine: EngineHook, filter: { project?: string } = {}): Promise<number> {
  let n = 0;
  for (const kind of ["Task", "Run"] as const) {
    for (const r of store.listResources({ kind, allProjects: true })) {
      if (filter.project !== undefined && r.metadata.project !== filter.project) continue;
      if (observedGeneration(r) >= r.generation) continue;
      await engine.enqueueDeclarative({ project: r.metadata.project, kind, name: r.metadata.name, generation: r.generation });
      n++;
    }
  }
  return n;
}

export function declarativeController(kind: "Task" | "Run"): KindController {
  return {
    kind,
    validate(doc, ctx) {
      const spec = doc.resource.spec;
      return [
        ...missingReference(doc, ctx, ["spec", "workflow"], "Workflow", stringAt(spec, "workflow")),
        ...missingReference(doc, ctx, ["spec", "workspace"], "Workspace", stringAt(spec, "workspace")),
        ...missingReference(doc, ctx, ["spec", "template"], "StepTemplate", stringAt(spec, "template")),
      ];
    },
    async afterCommit(_changes: readonly CommittedChange[], ctx: EffectContext) {
      const engine = ctx.hooks.engine;
      if (!engine) return;
      const owned = ctx.store.listResources({ kind, allProjects: true }).filter((r) => r.origin.appliedBy === ctx.appliedBy);
      for (const r of owned) {
        if (observedGeneration(r) >= r.generation) continue;
        await engine.enqueueDeclarative({ project: r.metadata.project, kind, name: r.metadata.name, generation: r.generation });
      }
    },
  };
}
