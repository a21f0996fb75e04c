/**
 * @module A task's `--step` filter in workflow order. The filter is stored
 * as the flags came (`--step verify --step plan`), while the steps run in
 * the order the workflow lists them; this is the order shown.
 */
import type { Store } from "../../store/store.js";
import type { TaskRecord } from "../../store/task-store.js";

/**
 * The filtered step ids ordered as the task's Workflow lists its steps; ids
 * the workflow no longer has (or a workflow that is gone) keep their stored
 * order, after the others.
 */
export function stepFilterInWorkflowOrder(store: Store, task: Pick<TaskRecord, "project" | "workflow" | "spec">): string[] {
  const steps = task.spec.steps;
  if (steps.length < 2 || !task.workflow) return [...steps];
  const wf = store.getResource({ project: task.project, kind: "Workflow", name: task.workflow });
  const listed = wf && Array.isArray(wf.spec["steps"]) ? wf.spec["steps"] : [];
  const position = new Map<string, number>();
  listed.forEach((s, i) => {
    const id = s && typeof s === "object" && !Array.isArray(s) ? s["id"] : undefined;
    if (typeof id === "string" && !position.has(id)) position.set(id, i);
  });
  const at = (id: string): number => position.get(id) ?? Number.MAX_SAFE_INTEGER;
  // Array.prototype.sort is stable: unknown ids keep their stored order.
  return [...steps].sort((a, b) => at(a) - at(b));
}
