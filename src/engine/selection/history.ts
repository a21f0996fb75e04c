/**
 * @module An agent's history as selection scores it, computed from the runs
 * the store recorded: overall and per-capability outcomes, latency, load, the
 * current failure streak and, from upstream's health policy, whether the
 * agent is diseased (kept off new work for a while after repeated
 * infrastructure failures).
 */
import type { AgentRunStats, RecentAgentRun } from "../../store/task-store.js";
import type { AgentCandidate, AgentHistory } from "./select.js";

/** Upstream's health policy defaults (`spec.health_policy`). */
export const DEFAULT_DISEASE_THRESHOLD = 2;
export const DEFAULT_DISEASE_DURATION_HOURS = 5;

/** `spec.health_policy` of an Agent, as selection reads it. */
export interface HealthPolicy {
  /** Consecutive infrastructure failures that make the agent diseased. */
  diseaseThreshold?: number;
  /** How long a diseased agent is kept off new work; 0 turns disease off. */
  diseaseDurationHours?: number;
}

/**
 * A run that says the agent could not work at all, rather than that its work
 * failed: it timed out, its command was not found or not executable (exit
 * 127/126), or it died by a signal (exit code missing or above 128).
 */
export function isInfrastructureFailure(run: Pick<RecentAgentRun, "status" | "exitCode">): boolean {
  if (run.status === "timed_out") return true;
  if (run.status !== "failed") return false;
  return run.exitCode === null || run.exitCode === 126 || run.exitCode === 127 || run.exitCode > 128 || run.exitCode < 0;
}

/** Selection history of one agent, or undefined when it has never run. */
export function historyFromStats(stats: AgentRunStats | undefined, policy: HealthPolicy = {}): AgentHistory | undefined {
  if (!stats) return undefined;
  const history: AgentHistory = {
    totalRuns: stats.totalRuns,
    successfulRuns: stats.successfulRuns,
    currentLoad: stats.running,
    consecutiveErrors: failureStreak(stats.recent),
    capabilities: Object.fromEntries(
      Object.entries(stats.capabilities).map(([cap, c]) => [cap, { success: c.successes, failure: c.runs - c.successes }]),
    ),
  };
  if (stats.avgDurationMs !== null) history.avgDurationMs = stats.avgDurationMs;
  const diseasedUntil = diseasedUntilOf(stats.recent, policy);
  if (diseasedUntil !== undefined) history.diseasedUntil = diseasedUntil;
  return history;
}

/** A lookup for `selectAgent`: each candidate's history from the store's per-agent stats. */
export function historyLookup(stats: readonly AgentRunStats[]): (agent: AgentCandidate) => AgentHistory | undefined {
  const byName = new Map(stats.map((s) => [s.agent, s]));
  return (agent) => historyFromStats(byName.get(agent.name), agent.healthPolicy);
}

/** Failed or timed-out runs since the agent's last success (newest first in `recent`). */
function failureStreak(recent: readonly RecentAgentRun[]): number {
  let n = 0;
  for (const r of recent) {
    if (r.status === "succeeded") break;
    n++;
  }
  return n;
}

/**
 * Upstream counts consecutive infrastructure failures (any other outcome
 * resets the count) and, once the count reaches the threshold, keeps the
 * agent diseased for the policy's duration from the latest of them.
 */
function diseasedUntilOf(recent: readonly RecentAgentRun[], policy: HealthPolicy): string | undefined {
  const hours = policy.diseaseDurationHours ?? DEFAULT_DISEASE_DURATION_HOURS;
  const threshold = Math.max(1, policy.diseaseThreshold ?? DEFAULT_DISEASE_THRESHOLD);
  if (hours <= 0) return undefined;
  let streak = 0;
  for (const r of recent) {
    if (!isInfrastructureFailure(r)) break;
    streak++;
  }
  if (streak < threshold) return undefined;
  const latest = Date.parse(recent[0]!.finishedAt);
  if (!Number.isFinite(latest)) return undefined;
  return new Date(latest + hours * 3_600_000).toISOString();
}
