/**
 * @module The safety limits on spawning, from the spawning workflow's
 * `safety`: `max_spawned_tasks` (children per parent task, over its whole
 * life), `max_spawn_depth` (how deep below a task nobody spawned a task may
 * be) and `spawn_cooldown_seconds` (the least time between two bursts of one
 * parent). Unset limits take the values upstream's guide shows, so a
 * workflow that spawns itself cannot fork without end.
 */
import type { JsonObject } from "../../resources/types.js";

export const DEFAULT_MAX_SPAWNED_TASKS = 10;
export const DEFAULT_MAX_SPAWN_DEPTH = 3;

export interface SpawnLimits {
  maxSpawnedTasks: number;
  maxSpawnDepth: number;
  cooldownSeconds: number;
}

export function spawnLimitsOf(safety: JsonObject | undefined): SpawnLimits {
  const n = (v: unknown, d: number): number => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : d);
  return {
    maxSpawnedTasks: n(safety?.["max_spawned_tasks"], DEFAULT_MAX_SPAWNED_TASKS),
    maxSpawnDepth: n(safety?.["max_spawn_depth"], DEFAULT_MAX_SPAWN_DEPTH),
    cooldownSeconds: n(safety?.["spawn_cooldown_seconds"], 0),
  };
}

/** Why spawning `count` more children is refused, or undefined when the limits allow it. */
export function spawnRefusal(limits: SpawnLimits, parentDepth: number, existingChildren: number, count: number): string | undefined {
  const depth = parentDepth + 1;
  if (depth > limits.maxSpawnDepth) {
    return `spawn depth ${depth} would exceed safety.max_spawn_depth ${limits.maxSpawnDepth}${limits.maxSpawnDepth === 0 ? " (this workflow may not spawn tasks)" : ""}`;
  }
  if (existingChildren + count > limits.maxSpawnedTasks) {
    return `${existingChildren} task(s) already spawned, ${count} more would exceed safety.max_spawned_tasks ${limits.maxSpawnedTasks}`;
  }
  return undefined;
}

/** Milliseconds to wait before the next burst, given when the last one was (ISO), or 0. */
export function cooldownWaitMs(limits: SpawnLimits, lastBurstAt: string | undefined, now = Date.now()): number {
  if (limits.cooldownSeconds <= 0 || lastBurstAt === undefined) return 0;
  const readyAt = Date.parse(lastBurstAt) + limits.cooldownSeconds * 1000;
  return Math.max(0, readyAt - now);
}
