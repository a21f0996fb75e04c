import { describe, expect, it } from "vitest";
import { historyFromStats, historyLookup, isInfrastructureFailure } from "../../../src/engine/selection/history.js";
import { selectAgent, type AgentCandidate } from "../../../src/engine/selection/select.js";
import type { AgentRunStats, RecentAgentRun } from "../../../src/store/task-store.js";

const at = (min: number): string => new Date(Date.UTC(2026, 0, 1, 0, min)).toISOString();
const recent = (...runs: Array<[RecentAgentRun["status"], number | null, number]>): RecentAgentRun[] =>
  runs.map(([status, exitCode, min]) => ({ status, exitCode, finishedAt: at(min) }));
const stats = (agent: string, over: Partial<AgentRunStats> = {}): AgentRunStats => ({
  agent,
  totalRuns: 0,
  successfulRuns: 0,
  avgDurationMs: null,
  running: 0,
  capabilities: {},
  recent: [],
  ...over,
});

describe("historyFromStats", () => {
  it("carries outcomes per capability, latency, load and the failure streak since the last success", () => {
    const h = historyFromStats(
      stats("gen", {
        totalRuns: 7,
        successfulRuns: 6,
        avgDurationMs: 40,
        running: 2,
        capabilities: { capx: { runs: 6, successes: 6 }, capy: { runs: 1, successes: 0 } },
        recent: recent(["failed", 1, 9], ["succeeded", 0, 8]),
      }),
    );
    expect(h).toEqual({
      totalRuns: 7,
      successfulRuns: 6,
      avgDurationMs: 40,
      currentLoad: 2,
      consecutiveErrors: 1,
      capabilities: { capx: { success: 6, failure: 0 }, capy: { success: 0, failure: 1 } },
    });
  });

  it("is undefined for an agent that never ran", () => {
    expect(historyFromStats(undefined)).toBeUndefined();
  });

  it("marks an agent diseased after consecutive infrastructure failures, for the policy's hours from the latest", () => {
    const twoTimeouts = stats("a", { recent: recent(["timed_out", 124, 30], ["failed", 127, 20], ["succeeded", 0, 10]) });
    expect(historyFromStats(twoTimeouts)?.diseasedUntil).toBe(new Date(Date.parse(at(30)) + 5 * 3_600_000).toISOString());
    expect(historyFromStats(twoTimeouts, { diseaseDurationHours: 1 })?.diseasedUntil).toBe(new Date(Date.parse(at(30)) + 3_600_000).toISOString());
    expect(historyFromStats(twoTimeouts, { diseaseThreshold: 3 })?.diseasedUntil).toBeUndefined();
    expect(historyFromStats(twoTimeouts, { diseaseDurationHours: 0 })?.diseasedUntil).toBeUndefined();
    // Ordinary failures (the agent ran and said no) are not infrastructure failures.
    const ordinary = stats("b", { recent: recent(["failed", 1, 30], ["failed", 2, 20]) });
    expect(historyFromStats(ordinary)).toMatchObject({ consecutiveErrors: 2 });
    expect(historyFromStats(ordinary)?.diseasedUntil).toBeUndefined();
  });

  it("classifies timeouts, missing commands and signals as infrastructure failures", () => {
    expect(isInfrastructureFailure({ status: "timed_out", exitCode: 143 })).toBe(true);
    expect(isInfrastructureFailure({ status: "failed", exitCode: 127 })).toBe(true);
    expect(isInfrastructureFailure({ status: "failed", exitCode: 137 })).toBe(true);
    expect(isInfrastructureFailure({ status: "failed", exitCode: 1 })).toBe(false);
    expect(isInfrastructureFailure({ status: "succeeded", exitCode: 0 })).toBe(false);
  });
});

describe("selection from recorded history", () => {
  const agent = (name: string, capabilities: string[]): AgentCandidate => ({ name, project: "default", capabilities, cost: 50 });

  it("prefers a specialist once the generalist has failed at the capability (the documented 12.5 vs 35)", () => {
    const agents = [agent("aa-generalist", ["capx", "capy"]), agent("zz-specialist", ["capy"])];
    const generalist = stats("aa-generalist", {
      totalRuns: 6,
      successfulRuns: 6,
      avgDurationMs: 30,
      capabilities: { capx: { runs: 6, successes: 6 } },
      recent: recent(["succeeded", 0, 6]),
    });
    const before = selectAgent({ capability: "capy", project: "default", agents, history: historyLookup([generalist]) });
    // No capy runs yet: the overall success rate stands in, and the generalist wins.
    expect(before.agent.name).toBe("aa-generalist");
    expect(before.ranking.map((r) => [r.name, r.score])).toEqual([
      ["aa-generalist", 62.5],
      ["zz-specialist", 35],
    ]);

    const failedOnce = {
      ...generalist,
      totalRuns: 7,
      capabilities: { ...generalist.capabilities, capy: { runs: 1, successes: 0 } },
      recent: recent(["failed", 1, 7], ["succeeded", 0, 6]),
    };
    const after = selectAgent({ capability: "capy", project: "default", agents, history: historyLookup([failedOnce]) });
    expect(after.agent.name).toBe("zz-specialist");
    expect(after.ranking.map((r) => [r.name, r.score])).toEqual([
      ["zz-specialist", 35],
      ["aa-generalist", 12.5],
    ]);
  });

  it("rules out a diseased agent unless it keeps succeeding at the capability", () => {
    const agents = [agent("flaky", ["qa"]), agent("steady", ["qa"])];
    const flaky = stats("flaky", { totalRuns: 2, recent: recent(["timed_out", 124, 59], ["timed_out", 124, 58]), capabilities: { qa: { runs: 2, successes: 0 } } });
    const r = selectAgent({ capability: "qa", project: "default", agents, history: historyLookup([flaky]), now: new Date(at(60)) });
    expect(r.ranking.map((x) => x.name)).toEqual(["steady"]);
    expect(() => selectAgent({ capability: "qa", project: "default", agents: [agents[0]!], history: historyLookup([flaky]), now: new Date(at(60)) })).toThrow(
      /flaky is diseased until/,
    );
  });
});
