/**
 * @module The Workflow safety settings that pace and stop a running task:
 *
 * - `safety.max_item_step_failures`: an item whose steps have failed that
 *   many times is `blocked` (it takes no further part in the task until
 *   `task resume --reset-blocked`), the per-item circuit breaker;
 * - `safety.min_cycle_interval_secs`: a cycle that ends sooner than this
 *   after it started is rapid; before the next one the engine backs off
 *   (1 s, 2 s, 4 s, ... up to what is left of the interval), and after
 *   RAPID_CYCLES_BEFORE_PAUSE rapid cycles in a row the task pauses itself
 *   as a degenerate loop;
 * - `stagger_delay_ms` (Workflow, overridden per step): in an item segment
 *   running items side by side, each start of a step waits that long after
 *   the previous item's start of it.
 */
import type { JsonObject } from "../../resources/types.js";
import type { PlannedStep, WorkflowSpec } from "../plan/types.js";

export const RAPID_CYCLES_BEFORE_PAUSE = 4;

export interface CycleGuards {
  maxItemStepFailures?: number;
  minCycleIntervalSecs?: number;
  /** The workflow's `stagger_delay_ms`. */
  staggerDelayMs: number;
}

const positive = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined);

export function cycleGuardsOf(workflow: WorkflowSpec & { stagger_delay_ms?: number }): CycleGuards {
  const safety: JsonObject = workflow.safety ?? {};
  const g: CycleGuards = { staggerDelayMs: positive(workflow.stagger_delay_ms) ?? 0 };
  const max = positive(safety["max_item_step_failures"]);
  if (max !== undefined) g.maxItemStepFailures = max;
  const interval = positive(safety["min_cycle_interval_secs"]);
  if (interval !== undefined) g.minCycleIntervalSecs = interval;
  return g;
}

/** The step's own `stagger_delay_ms`, else the workflow's. */
export function staggerOf(step: PlannedStep, guards: CycleGuards): number {
  return positive(step.spec.stagger_delay_ms) ?? (step.spec.stagger_delay_ms === 0 ? 0 : guards.staggerDelayMs);
}

/** Spaces the starts of one step across the items of a segment. */
export class StartStagger {
  private readonly next = new Map<string, number>();

  /** Waits for this start's turn; false when the signal aborted the wait. */
  async turn(stepId: string, delayMs: number, signal: AbortSignal): Promise<boolean> {
    if (delayMs <= 0) return !signal.aborted;
    const now = Date.now();
    const at = Math.max(now, this.next.get(stepId) ?? 0);
    this.next.set(stepId, at + delayMs);
    return at > now ? sleep(at - now, signal) : !signal.aborted;
  }
}

export interface RapidCycleVerdict {
  /** Rapid cycles in a row, this one included; 0 when this one was not rapid. */
  rapid: number;
  /** Wait this long before the next cycle. */
  waitMs: number;
  /** Pause the task instead of going on. */
  pause: boolean;
}

/** What the rapid-cycle guard says after a cycle that took `elapsedMs`, given the rapid cycles before it. */
export function rapidCycle(guards: CycleGuards, elapsedMs: number, rapidBefore: number): RapidCycleVerdict {
  const interval = guards.minCycleIntervalSecs;
  if (interval === undefined || elapsedMs >= interval * 1000) return { rapid: 0, waitMs: 0, pause: false };
  const rapid = rapidBefore + 1;
  if (rapid >= RAPID_CYCLES_BEFORE_PAUSE) return { rapid, waitMs: 0, pause: true };
  return { rapid, waitMs: Math.min(interval * 1000 - elapsedMs, 1000 * 2 ** (rapid - 1)), pause: false };
}

/** Resolves true after `ms`, or false as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(ok);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
