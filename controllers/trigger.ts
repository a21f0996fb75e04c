/**
 * @module The Trigger controller: a created, changed or pruned Trigger is
 * rescheduled (its cron plan or event subscription rebuilt) by the
 * scheduler hook; its action should name a Workflow and Workspace that exist,
 * and a webhook's secret a SecretStore that does.
 */
import { missingReference, stringAt } from "./support.js";
import type { KindController } from "./types.js";

export const triggerController: KindController = {
  kind: "Trigger",
  validate(doc, ctx) {
    const spec = doc.resource.spec;
    return [
      ...missingReference(doc, ctx, ["spec", "action", "workflow"], "Workflow", stringAt(spec, "action", "workflow")),
      ...missingReference(doc, ctx, ["spec", "action", "workspace"], "Workspace", stringAt(spec, "action", "workspace")),
      ...missingReference(doc, ctx, ["spec", "event", "webhook", "secret", "fromRef"], "SecretStore", stringAt(spec, "event", "webhook", "secret", "fromRef")),
    ];
  },
  async afterCommit(changes, ctx) {
    const scheduler = ctx.hooks.scheduler;
    if (!scheduler) return;
    for (const c of changes) {
      if (c.verb === "unchanged") continue;
      const resource = c.verb === "pruned" ? null : (ctx.store.getResource(c.key) ?? null);
      await scheduler.reschedule({ project: c.key.project, name: c.key.name, resource });
    }
  },
};
