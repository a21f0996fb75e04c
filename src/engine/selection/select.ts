/**
 * @module Choosing the agent for a step: the candidates are the agents of
 * the task's project that declare the capability (the default project's
 * only when the task's project has no agents at all), never a cordoned,
 * draining, disabled or diseased one; each is scored by its strategy from
 * its history, and the best wins, ties going to the smaller name.
 */
import { DEFAULT_PROJECT } from "../../resources/types.js";
import type { HealthPolicy } from "./history.js";
import { DEFAULT_WEIGHTS, parseStrategy, scoreWith, type ScoreFactors, type SelectionStrategy, type SelectionWeights } from "./strategies.js";

export type AgentLifecycle = "active" | "cordoned" | "draining" | "drained";

/** An Agent as selection sees it. */
export interface AgentCandidate {
  name: string;
  project: string;
  capabilities: readonly string[];
  /** `spec.metadata.cost`, 0..100. */
  cost?: number;
  /** `spec.selection.strategy`. */
  strategy?: string;
  /** `spec.selection.weights`, for `adaptive`. */
  weights?: Partial<SelectionWeights>;
  /** `spec.health_policy.capability_success_threshold` (default 0.5). */
  capabilitySuccessThreshold?: number;
  /** `spec.health_policy.disease_threshold` / `disease_duration_hours`. */
  healthPolicy?: HealthPolicy;
  enabled?: boolean;
  /** Runtime state; only `active` (the default) is schedulable. */
  lifecycle?: AgentLifecycle;
}

/** What the store has recorded about an agent's runs. */
export interface AgentHistory {
  totalRuns: number;
  successfulRuns: number;
  avgDurationMs?: number;
  /** Runs in flight now. */
  currentLoad?: number;
  /** Failed or timed-out runs since the last success. */
  consecutiveErrors?: number;
  /** ISO time until which the agent is diseased. */
  diseasedUntil?: string | null;
  /** Per-capability outcomes. */
  capabilities?: Readonly<Record<string, { success: number; failure: number }>>;
}

export interface SelectionRequest {
  capability: string;
  /** The task's project. */
  project: string;
  /** All agents, of every project. */
  agents: readonly AgentCandidate[];
  history?: (agent: AgentCandidate) => AgentHistory | undefined;
  /** Agents to pass over (e.g. the one that just failed this step). */
  exclude?: readonly string[];
  /** Overrides every agent's own strategy (e.g. from a step's cost preference). */
  strategy?: SelectionStrategy;
  now?: Date;
}

export interface RankedAgent {
  name: string;
  strategy: SelectionStrategy;
  score: number;
  factors: ScoreFactors;
}

export interface SelectionResult {
  agent: AgentCandidate;
  /** Every candidate, best first. */
  ranking: RankedAgent[];
  /** The project whose agents were considered. */
  poolProject: string;
}

export class AgentSelectionError extends Error {
  override name = "AgentSelectionError";
}

export function selectAgent(req: SelectionRequest): SelectionResult {
  const now = req.now ?? new Date();
  const own = req.agents.filter((a) => a.project === req.project);
  const poolProject = own.length > 0 ? req.project : DEFAULT_PROJECT;
  const pool = own.length > 0 ? own : req.agents.filter((a) => a.project === DEFAULT_PROJECT);
  const capable = pool.filter((a) => a.capabilities.includes(req.capability));
  if (capable.length === 0) throw new AgentSelectionError(noCapabilityMessage(req, poolProject, pool));

  const refusals: string[] = [];
  const ranking: RankedAgent[] = [];
  for (const agent of capable) {
    const history = req.history?.(agent);
    const refusal = unschedulable(agent, history, req, now);
    if (refusal) {
      refusals.push(`${agent.name} ${refusal}`);
      continue;
    }
    const strategy = req.strategy ?? parseStrategy(agent.strategy);
    const factors = factorsOf(agent, history, req.capability, now);
    ranking.push({ name: agent.name, strategy, score: scoreWith(strategy, factors, { ...DEFAULT_WEIGHTS, ...agent.weights }), factors });
  }
  if (ranking.length === 0) {
    throw new AgentSelectionError(
      `no schedulable agent has capability '${req.capability}' in project '${poolProject}': ${refusals.join(", ")}`,
    );
  }
  ranking.sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const best = capable.find((a) => a.name === ranking[0]!.name)!;
  return { agent: best, ranking, poolProject };
}

/** Why an agent that has the capability cannot take the step, or undefined. */
function unschedulable(agent: AgentCandidate, history: AgentHistory | undefined, req: SelectionRequest, now: Date): string | undefined {
  const lifecycle = agent.lifecycle ?? "active";
  if (lifecycle !== "active") return `is ${lifecycle}`;
  if (agent.enabled === false) return "is disabled";
  if (req.exclude?.includes(agent.name)) return "is excluded after a failure";
  if (isDiseased(history, now)) {
    // A globally diseased agent may still take a capability it keeps succeeding at.
    const stats = history?.capabilities?.[req.capability];
    const total = stats ? stats.success + stats.failure : 0;
    const threshold = agent.capabilitySuccessThreshold ?? 0.5;
    if (!stats || total === 0 || stats.success / total < threshold) return `is diseased until ${history?.diseasedUntil}`;
  }
  return undefined;
}

function isDiseased(history: AgentHistory | undefined, now: Date): boolean {
  const until = history?.diseasedUntil;
  if (!until) return false;
  const t = Date.parse(until);
  return Number.isFinite(t) && t > now.getTime();
}

export function factorsOf(agent: AgentCandidate, history: AgentHistory | undefined, capability: string, now: Date = new Date()): ScoreFactors {
  const cost = Math.min(Math.max(agent.cost ?? 50, 0), 100);
  const successRate = history && history.totalRuns > 0 ? (history.successfulRuns / history.totalRuns) * 100 : 50;
  const cap = history?.capabilities?.[capability];
  const capTotal = cap ? cap.success + cap.failure : 0;
  const load = Math.max(history?.currentLoad ?? 0, 0);
  const errors = Math.max(history?.consecutiveErrors ?? 0, 0);
  return {
    cost: 100 - cost,
    successRate,
    capabilitySuccessRate: cap && capTotal > 0 ? (cap.success / capTotal) * 100 : successRate,
    performance: history?.avgDurationMs && history.avgDurationMs > 0 ? Math.min(60000 / history.avgDurationMs, 100) : 50,
    loadPenalty: -Math.min(load * 10, 50),
    loadHeadroom: Math.max(100 - 20 * load, 0),
    healthPenalty: isDiseased(history, now) ? -100 : -15 * errors,
  };
}

function noCapabilityMessage(req: SelectionRequest, poolProject: string, pool: readonly AgentCandidate[]): string {
  const where =
    poolProject === req.project
      ? `in project '${req.project}'`
      : `in project '${poolProject}' (project '${req.project}' has no agents of its own)`;
  const listed = pool.length === 0 ? "none" : [...pool].sort((a, b) => (a.name < b.name ? -1 : 1)).map((a) => `${a.name} [${a.capabilities.join(", ")}]`).join(", ");
  return (
    `no agent has capability '${req.capability}' ${where}; agents there: ${listed}; ` +
    `add '${req.capability}' to an Agent's spec.capabilities in project '${req.project}'`
  );
}
