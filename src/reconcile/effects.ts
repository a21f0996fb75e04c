/**
 * @module After-commit effects: each kind controller is told what the pass
 * committed of its kind (possibly nothing: controllers are level-triggered
 * and look at the stored state). One failing controller does not stop the
 * others; its error is returned for the pass to report.
 */
import type { CommittedChange, ControllerHooks } from "../../controllers/types.js";
import { BUILTIN_CONTROLLERS } from "../../controllers/registry.js";
import type { Store } from "../store/store.js";
import type { PlannedAction } from "./plan.js";

export function committedChange(a: PlannedAction): CommittedChange {
  const specChanged = a.verb === "created" || (a.change?.op === "update" && a.change.specChanged);
  let generation: number | null = null;
  if (a.verb === "created") generation = 1;
  else if (a.verb !== "pruned" && a.head) generation = a.head.generation + (specChanged ? 1 : 0);
  return { verb: a.verb, key: a.key, generation, specChanged };
}

/** Runs every controller's afterCommit; returns one message per failure. */
export async function runAfterCommitEffects(store: Store, actions: readonly PlannedAction[], hooks: ControllerHooks, appliedBy: string): Promise<string[]> {
  const byKind = new Map<string, CommittedChange[]>();
  for (const a of actions) {
    const list = byKind.get(a.key.kind) ?? [];
    list.push(committedChange(a));
    byKind.set(a.key.kind, list);
  }
  const errors: string[] = [];
  for (const controller of BUILTIN_CONTROLLERS) {
    if (!controller.afterCommit) continue;
    try {
      await controller.afterCommit(byKind.get(controller.kind) ?? [], { store, hooks, appliedBy });
    } catch (err) {
      errors.push(`${controller.kind} controller: ${(err as Error).message}`);
    }
  }
  return errors;
}
