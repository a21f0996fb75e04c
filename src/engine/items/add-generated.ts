/**
 * @module Adding generated items to a task. With `replace: true` every item
 * of the task that has not settled yet is set aside (status `replaced`: it
 * takes no further part) and the new list is the task's work; otherwise the
 * new items join the ones there. An id already among the task's live items
 * is not added twice.
 */
import type { ItemRecord, TaskStore } from "../../store/task-store.js";
import type { GeneratedItem } from "./generate-items.js";

/** Items that need no more work; `replaced` ones are among them. */
export const SETTLED_ITEM_STATUSES: ReadonlySet<string> = new Set(["qa_passed", "fixed", "verified", "skipped", "resolved", "eliminated", "replaced"]);

export interface AddedItems {
  created: ItemRecord[];
  /** Ids already present (not added again). */
  skipped: string[];
  /** Items set aside by `replace`. */
  replaced: ItemRecord[];
}

export function addGeneratedItems(tasks: TaskStore, taskId: string, items: readonly GeneratedItem[], replace: boolean): AddedItems {
  const before = tasks.listItems(taskId);
  const replaced: ItemRecord[] = [];
  if (replace) {
    for (const i of before) if (!SETTLED_ITEM_STATUSES.has(i.status)) replaced.push(tasks.updateItem(i.id, { status: "replaced" }));
  }
  const live = new Set(before.filter((i) => (replace ? false : i.status !== "replaced")).map((i) => i.path));
  const fresh = items.filter((i) => !live.has(i.id));
  const skipped = items.filter((i) => live.has(i.id)).map((i) => i.id);
  const created = fresh.length
    ? tasks.createItems(
        taskId,
        fresh.map((i) => ({ path: i.id, vars: { ...i.vars }, source: "generated" as const, ...(i.label !== undefined ? { label: i.label } : {}) })),
      )
    : [];
  return { created, skipped, replaced };
}
