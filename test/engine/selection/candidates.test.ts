import { describe, expect, it } from "vitest";
import { candidateFromAgent } from "../../../src/engine/selection/candidates.js";

describe("candidateFromAgent", () => {
  it("reads cost, strategy, weights, threshold and project from an Agent resource", () => {
    const c = candidateFromAgent(
      {
        apiVersion: "orchestrator.dev/v2",
        kind: "Agent",
        metadata: { name: "coder", project: "web" },
        spec: { capabilities: ["implement"], command: "x", metadata: { cost: 30 }, selection: { strategy: "adaptive", weights: { cost: 0.5 } }, health_policy: { capability_success_threshold: 0.7 } },
      },
      "cordoned",
    );
    expect(c).toEqual({ name: "coder", project: "web", capabilities: ["implement"], cost: 30, strategy: "adaptive", weights: { cost: 0.5 }, capabilitySuccessThreshold: 0.7, lifecycle: "cordoned" });
  });
});
