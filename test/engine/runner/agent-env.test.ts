import { describe, expect, it } from "vitest";
import { AgentEnvError, resolveAgentEnv } from "../../../src/engine/runner/agent-env.js";
import type { Resource } from "../../../src/resources/types.js";

const res = (kind: string, name: string, spec: Record<string, unknown>): Resource => ({ apiVersion: "orchestrator.dev/v2", kind, metadata: { name }, spec: spec as never });

describe("resolveAgentEnv", () => {
  const stores = new Map<string, Resource>([
    ["cfg", res("EnvStore", "cfg", { data: { A: "1", B: "2" } })],
    ["keys", res("SecretStore", "keys", { data: { TOKEN: "t0k", OTHER: "o" } })],
  ]);

  it("applies fromRef, refValue and direct values in order, later entries winning", () => {
    const agent = res("Agent", "a", { env: [{ fromRef: "cfg" }, { name: "A", value: "override" }, { name: "T", refValue: { name: "keys", key: "TOKEN" } }] });
    expect(resolveAgentEnv(agent, stores)).toEqual({ env: { A: "override", B: "2", T: "t0k" }, secrets: ["t0k"] });
  });

  it("marks every value imported from a SecretStore as secret", () => {
    const agent = res("Agent", "a", { env: [{ fromRef: "keys" }] });
    expect(resolveAgentEnv(agent, stores).secrets.sort()).toEqual(["o", "t0k"]);
  });

  it("names the missing store or key", () => {
    expect(() => resolveAgentEnv(res("Agent", "a", { env: [{ fromRef: "nope" }] }), stores)).toThrow(AgentEnvError);
    expect(() => resolveAgentEnv(res("Agent", "a", { env: [{ name: "X", refValue: { name: "keys", key: "MISSING" } }] }), stores)).toThrow(/has no key 'MISSING'/);
  });
});
