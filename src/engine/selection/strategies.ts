/**
 * @module The six agent selection strategies and how each scores a
 * candidate from its cost and its history. Scores are plain numbers where
 * higher is better; every factor is documented in docs/agent-selection.md.
 */

export type SelectionStrategy =
  | "cost_based"
  | "success_rate_weighted"
  | "performance_first"
  | "adaptive"
  | "load_balanced"
  | "capability_aware";

export const SELECTION_STRATEGIES: readonly SelectionStrategy[] = [
  "cost_based",
  "success_rate_weighted",
  "performance_first",
  "adaptive",
  "load_balanced",
  "capability_aware",
];

export const DEFAULT_STRATEGY: SelectionStrategy = "capability_aware";

/** Accepts `CostBased` (upstream's guide) and `cost_based` (upstream's manifests); undefined means the default. */
export function parseStrategy(name: string | undefined): SelectionStrategy {
  if (name === undefined || name === "") return DEFAULT_STRATEGY;
  const snake = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  const found = SELECTION_STRATEGIES.find((s) => s === snake);
  if (!found) {
    throw new Error(`unknown selection strategy '${name}'; use one of CostBased, SuccessRateWeighted, PerformanceFirst, Adaptive, LoadBalanced, CapabilityAware`);
  }
  return found;
}

/** Weights of the `adaptive` strategy (an Agent's `selection.weights`). */
export interface SelectionWeights {
  cost: number;
  success_rate: number;
  performance: number;
  load: number;
}

export const DEFAULT_WEIGHTS: Readonly<SelectionWeights> = { cost: 0.2, success_rate: 0.3, performance: 0.25, load: 0.25 };

/** The factors a strategy combines, each already on its documented scale. */
export interface ScoreFactors {
  /** 0..100: 100 - cost (cost 0..100, 50 when unknown). */
  cost: number;
  /** 0..100: success percentage over all runs, 50 with no history. */
  successRate: number;
  /** 0..100: success percentage for the requested capability, else `successRate`. */
  capabilitySuccessRate: number;
  /** 0..100: 60000 / average duration in ms, capped at 100; 50 with no history. */
  performance: number;
  /** -50..0: -10 per run in flight, at most -50. */
  loadPenalty: number;
  /** 0..100: 100 - 20 per run in flight, at least 0. */
  loadHeadroom: number;
  /** -100 while diseased, else -15 per consecutive error. */
  healthPenalty: number;
}

export function scoreWith(strategy: SelectionStrategy, f: ScoreFactors, weights: Readonly<SelectionWeights> = DEFAULT_WEIGHTS): number {
  switch (strategy) {
    case "cost_based":
      return f.cost;
    case "success_rate_weighted":
      return 0.2 * f.cost + 0.8 * f.successRate;
    case "performance_first":
      return 0.2 * f.cost + 0.6 * f.performance + 0.2 * f.successRate;
    case "adaptive":
      return (
        weights.cost * f.cost +
        weights.success_rate * f.successRate +
        weights.performance * f.performance +
        weights.load * f.loadPenalty +
        f.healthPenalty
      );
    case "load_balanced":
      return 0.2 * f.cost + 0.3 * f.successRate + 0.5 * f.loadHeadroom;
    case "capability_aware":
      // Health counts, but is capped so a recovering agent is not excluded outright.
      return 0.15 * f.cost + 0.35 * f.capabilitySuccessRate + 0.2 * f.performance + Math.max(f.healthPenalty, -50);
  }
}
