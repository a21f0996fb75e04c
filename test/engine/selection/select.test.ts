import { describe, expect, it } from "vitest";
import { AgentSelectionError, selectAgent, type AgentCandidate, type AgentHistory } from "../../../src/engine/selection/select.js";

const agent = (name: string, over: Partial<AgentCandidate> = {}): AgentCandidate => ({ name, project: "default", capabilities: ["qa"], ...over });
const histories = (map: Record<string, AgentHistory>) => (a: AgentCandidate) => map[a.name];
const pick = (agents: AgentCandidate[], extra: Partial<Parameters<typeof selectAgent>[0]> = {}) =>
  selectAgent({ capability: "qa", project: "default", agents, now: new Date("2026-01-01T00:00:00Z"), ...extra }).agent.name;

describe("candidates", () => {
  it("are only agents declaring the capability", () => {
    expect(pick([agent("a", { capabilities: ["fix"] }), agent("b")])).toBe("b");
  });

  it("are the project's agents exclusively when it has any, even if a default agent is better", () => {
    const agents = [agent("cheap", { cost: 1 }), agent("mine", { project: "web", cost: 99 }), agent("other", { project: "web", capabilities: ["fix"] })];
    const r = selectAgent({ capability: "qa", project: "web", agents });
    expect(r.agent.name).toBe("mine");
    expect(r.poolProject).toBe("web");
  });

  it("never fall back to the default project when the project's agents lack the capability", () => {
    const agents = [agent("default_qa"), agent("coder", { project: "web", capabilities: ["implement", "plan"] }), agent("fixer", { project: "web", capabilities: ["fix"] })];
    expect(() => selectAgent({ capability: "qa", project: "web", agents })).toThrow(
      new AgentSelectionError(
        "no agent has capability 'qa' in project 'web'; agents there: coder [implement, plan], fixer [fix]; add 'qa' to an Agent's spec.capabilities in project 'web'",
      ),
    );
  });

  it("come from the default project when the task's project has no agents", () => {
    const r = selectAgent({ capability: "qa", project: "empty", agents: [agent("shared")] });
    expect([r.agent.name, r.poolProject]).toEqual(["shared", "default"]);
    expect(() => selectAgent({ capability: "fix", project: "empty", agents: [agent("shared")] })).toThrow(
      "no agent has capability 'fix' in project 'default' (project 'empty' has no agents of its own); agents there: shared [qa]",
    );
  });

  it("never include cordoned, draining, drained, disabled or excluded agents", () => {
    const agents = [
      agent("a_cordoned", { lifecycle: "cordoned", cost: 0 }),
      agent("b_draining", { lifecycle: "draining", cost: 0 }),
      agent("c_disabled", { enabled: false, cost: 0 }),
      agent("d_failed", { cost: 0 }),
      agent("z_ok", { cost: 99 }),
    ];
    expect(pick(agents, { exclude: ["d_failed"] })).toBe("z_ok");
    expect(() => pick([agent("a", { lifecycle: "cordoned" }), agent("b", { lifecycle: "drained" })])).toThrow(
      "no schedulable agent has capability 'qa' in project 'default': a is cordoned, b is drained",
    );
  });

  it("skip a diseased agent unless it keeps succeeding at this capability", () => {
    const sick: AgentHistory = { totalRuns: 10, successfulRuns: 2, diseasedUntil: "2026-01-01T05:00:00Z" };
    expect(pick([agent("a_sick", { cost: 0 }), agent("b", { cost: 90 })], { history: histories({ a_sick: sick }) })).toBe("b");
    const goodAtQa = { ...sick, capabilities: { qa: { success: 8, failure: 2 } } };
    const r = selectAgent({ capability: "qa", project: "default", agents: [agent("a_sick", { cost: 0 })], history: histories({ a_sick: goodAtQa }), now: new Date("2026-01-01T00:00:00Z") });
    expect(r.agent.name).toBe("a_sick");
    const healed = { ...sick, diseasedUntil: "2025-12-31T00:00:00Z" };
    expect(pick([agent("a_sick", { cost: 0 }), agent("b", { cost: 90 })], { history: histories({ a_sick: healed }) })).toBe("a_sick");
  });
});

describe("determinism", () => {
  it("breaks ties by name and ranks every candidate", () => {
    const agents = [agent("zeta"), agent("alpha"), agent("mid")];
    const r = selectAgent({ capability: "qa", project: "default", agents });
    expect(r.agent.name).toBe("alpha");
    expect(r.ranking.map((x) => x.name)).toEqual(["alpha", "mid", "zeta"]);
    for (let i = 0; i < 5; i++) expect(selectAgent({ capability: "qa", project: "default", agents: [...agents].reverse() }).agent.name).toBe("alpha");
  });
});

describe("each strategy in selection", () => {
  it("cost_based prefers the cheaper agent whatever its history", () => {
    const agents = [agent("cheap", { cost: 10, strategy: "CostBased" }), agent("reliable", { cost: 60, strategy: "CostBased" })];
    const h = histories({ cheap: { totalRuns: 10, successfulRuns: 1 }, reliable: { totalRuns: 10, successfulRuns: 10 } });
    expect(pick(agents, { history: h })).toBe("cheap");
  });

  it("success_rate_weighted prefers the agent that succeeds more", () => {
    const agents = [agent("cheap", { cost: 10 }), agent("reliable", { cost: 60 })];
    const h = histories({ cheap: { totalRuns: 10, successfulRuns: 3 }, reliable: { totalRuns: 10, successfulRuns: 10 } });
    expect(pick(agents, { history: h, strategy: "success_rate_weighted" })).toBe("reliable");
  });

  it("performance_first prefers the faster agent", () => {
    const agents = [agent("slow"), agent("fast")];
    const h = histories({ slow: { totalRuns: 5, successfulRuns: 5, avgDurationMs: 120_000 }, fast: { totalRuns: 5, successfulRuns: 5, avgDurationMs: 2_000 } });
    expect(pick(agents, { history: h, strategy: "performance_first" })).toBe("fast");
  });

  it("load_balanced prefers the agent with fewer runs in flight", () => {
    const agents = [agent("busy", { cost: 20 }), agent("idle", { cost: 40 })];
    const h = histories({ busy: { totalRuns: 0, successfulRuns: 0, currentLoad: 4 }, idle: { totalRuns: 0, successfulRuns: 0, currentLoad: 0 } });
    expect(pick(agents, { history: h, strategy: "load_balanced" })).toBe("idle");
  });

  it("adaptive follows the agent's weights", () => {
    const h = histories({ cheap: { totalRuns: 10, successfulRuns: 5 }, reliable: { totalRuns: 10, successfulRuns: 10 } });
    const costOnly = { cost: 1, success_rate: 0, performance: 0, load: 0 };
    const successOnly = { cost: 0, success_rate: 1, performance: 0, load: 0 };
    expect(pick([agent("cheap", { cost: 0, strategy: "Adaptive", weights: costOnly }), agent("reliable", { cost: 50, strategy: "Adaptive", weights: costOnly })], { history: h })).toBe("cheap");
    expect(pick([agent("cheap", { cost: 0, strategy: "Adaptive", weights: successOnly }), agent("reliable", { cost: 50, strategy: "Adaptive", weights: successOnly })], { history: h })).toBe("reliable");
  });

  it("capability_aware uses the capability's own success rate and penalises consecutive errors", () => {
    const agents = [agent("generalist"), agent("specialist")];
    const h = histories({
      generalist: { totalRuns: 100, successfulRuns: 95, capabilities: { qa: { success: 2, failure: 8 } } },
      specialist: { totalRuns: 100, successfulRuns: 60, capabilities: { qa: { success: 9, failure: 1 } } },
    });
    expect(pick(agents, { history: h })).toBe("specialist");
    const flaky = histories({ generalist: { totalRuns: 0, successfulRuns: 0, consecutiveErrors: 3 } });
    expect(pick(agents, { history: flaky })).toBe("specialist");
  });

});
