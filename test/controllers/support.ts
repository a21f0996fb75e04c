/**
 * @module Hooks that record what the kind controllers asked for, so tests
 * can assert which Tasks were enqueued and which Triggers rescheduled.
 */
import type { ControllerHooks, DeclarativeRef, TriggerRef } from "../../controllers/types.js";

export interface RecordingHooks extends ControllerHooks {
  enqueued: DeclarativeRef[];
  rescheduled: { project: string; name: string; deleted: boolean; schedule?: unknown }[];
  refreshed: string[];
}

export function recordingHooks(): RecordingHooks {
  const hooks: RecordingHooks = {
    enqueued: [],
    rescheduled: [],
    refreshed: [],
    engine: { enqueueDeclarative: (ref) => void hooks.enqueued.push(ref) },
    scheduler: {
      reschedule: (t: TriggerRef) =>
        void hooks.rescheduled.push({ project: t.project, name: t.name, deleted: t.resource === null, schedule: (t.resource?.spec["cron"] as { schedule?: string } | undefined)?.schedule }),
    },
    agents: { refresh: ({ project }) => void hooks.refreshed.push(project) },
  };
  return hooks;
}
