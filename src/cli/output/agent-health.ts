/**
 * @module How an agent stands, as selection sees it: its load (runs in
 * flight), its record (judged runs, successes, average duration), its
 * failure streak, and whether it is diseased (kept off new work after
 * repeated infrastructure failures, per its `health_policy`), cordoned or
 * disabled. Computed from the runs the store recorded, the way agent
 * selection computes it.
 */
import { candidateFromAgent } from "../../engine/selection/candidates.js";
import { historyFromStats } from "../../engine/selection/history.js";
import type { JsonObject } from "../../resources/types.js";
import type { StoredResource } from "../../store/store.js";
import type { AgentRunStats } from "../../store/task-store.js";

/** `new`: running its first steps, nothing judged yet; `idle`: never run. */
export type AgentHealthState = "healthy" | "failing" | "diseased" | "cordoned" | "disabled" | "new" | "idle";

/** The agent's health and load; `state` sums it up in one word. */
export function agentHealthView(agent: StoredResource, stats: AgentRunStats | undefined, now: Date = new Date()): JsonObject {
  const candidate = candidateFromAgent(agent, agent.spec["cordoned"] === true ? "cordoned" : "active");
  const history = historyFromStats(stats, candidate.healthPolicy);
  const diseasedUntil = history?.diseasedUntil && Date.parse(history.diseasedUntil) > now.getTime() ? history.diseasedUntil : null;
  const streak = history?.consecutiveErrors ?? 0;
  const state: AgentHealthState =
    candidate.enabled === false
      ? "disabled"
      : candidate.lifecycle === "cordoned"
        ? "cordoned"
        : diseasedUntil
          ? "diseased"
          : !history || history.totalRuns === 0
            ? (stats?.running ?? 0) > 0
              ? "new"
              : "idle"
            : streak > 0
              ? "failing"
              : "healthy";
  return {
    state,
    load: stats?.running ?? 0,
    totalRuns: stats?.totalRuns ?? 0,
    successfulRuns: stats?.successfulRuns ?? 0,
    successRate: stats && stats.totalRuns > 0 ? stats.successfulRuns / stats.totalRuns : null,
    avgDurationMs: stats?.avgDurationMs ?? null,
    consecutiveFailures: streak,
    diseasedUntil,
    lastRunAt: stats?.recent[0]?.finishedAt ?? null,
    capabilities: Object.fromEntries(Object.entries(stats?.capabilities ?? {}).map(([cap, c]) => [cap, { runs: c.runs, successes: c.successes }])),
  };
}
