/**
 * @module The tree of tasks a task spawned (`spawn_task`, `spawn_tasks`),
 * for `task trace` and `task info`: each child with the step that spawned
 * it, its phase, and its own children, down to a bound on depth.
 */
import type { TaskRecord } from "../../store/task-store.js";
import { paint } from "./task-view.js";

export interface SpawnNode {
  id: string;
  name: string;
  workflow: string | null;
  phase: string;
  /** The parent's step that spawned it. */
  step: string;
  depth: number;
  children: SpawnNode[];
}

/** Depth below the task shown; deeper children are counted, not listed. */
const MAX_SHOWN_DEPTH = 10;

/** `childrenOf(id)`: the tasks spawned by task `id`, oldest first. */
export function spawnTree(taskId: string, childrenOf: (id: string) => readonly TaskRecord[], level = 0): SpawnNode[] {
  if (level >= MAX_SHOWN_DEPTH) return [];
  return childrenOf(taskId).map((c) => ({
    id: c.id,
    name: c.name,
    workflow: c.workflow,
    phase: c.phase,
    step: c.parent?.step ?? "",
    depth: c.parent?.depth ?? level + 1,
    children: spawnTree(c.id, childrenOf, level + 1),
  }));
}

const PHASE_COLOUR: Record<string, "green" | "red" | "yellow" | "gray"> = { Completed: "green", Failed: "red", Cancelled: "red", Running: "yellow", Paused: "yellow", Pending: "gray" };

export function renderSpawnTree(nodes: readonly SpawnNode[], colour: boolean, indent = "  "): string {
  let out = "";
  nodes.forEach((n, i) => {
    const last = i === nodes.length - 1;
    out += `${indent}${last ? "└─" : "├─"} ${n.id} ${n.name} (${n.workflow ?? "?"}) ${paint(n.phase, PHASE_COLOUR[n.phase] ?? "gray", colour)}  ← step ${n.step}\n`;
    out += renderSpawnTree(n.children, colour, `${indent}${last ? "   " : "│  "}`);
  });
  return out;
}
