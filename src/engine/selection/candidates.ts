/**
 * @module Reading an Agent resource into the shape selection works with.
 */
import type { JsonObject, JsonValue, Resource } from "../../resources/types.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import type { HealthPolicy } from "./history.js";
import type { AgentStateRecord } from "../../store/task-store.js";
import type { AgentCandidate, AgentLifecycle } from "./select.js";
import type { SelectionWeights } from "./strategies.js";

/**
 * `workspaceHealth`: the health policy of the workspace the task runs in,
 * the default for every field the agent's own policy leaves out.
 */
export function candidateFromAgent(agent: Resource, lifecycle: AgentLifecycle = "active", workspaceHealth?: JsonObject): AgentCandidate {
  const spec = agent.spec;
  const metadata = obj(spec["metadata"]);
  const selection = obj(spec["selection"]);
  const health = { ...workspaceHealth, ...obj(spec["health_policy"]) };
  const candidate: AgentCandidate = {
    name: agent.metadata.name,
    project: agent.metadata.project ?? DEFAULT_PROJECT,
    capabilities: Array.isArray(spec["capabilities"]) ? spec["capabilities"].filter((c): c is string => typeof c === "string") : [],
    lifecycle,
  };
  if (typeof metadata["cost"] === "number") candidate.cost = metadata["cost"];
  if (typeof selection["strategy"] === "string") candidate.strategy = selection["strategy"];
  const weights = obj(selection["weights"]);
  const w: Partial<SelectionWeights> = {};
  for (const k of ["cost", "success_rate", "performance", "load"] as const) {
    if (typeof weights[k] === "number") w[k] = weights[k];
  }
  if (Object.keys(w).length > 0) candidate.weights = w;
  if (typeof health["capability_success_threshold"] === "number") candidate.capabilitySuccessThreshold = health["capability_success_threshold"];
  const policy: HealthPolicy = {};
  if (typeof health["disease_threshold"] === "number") policy.diseaseThreshold = health["disease_threshold"];
  if (typeof health["disease_duration_hours"] === "number") policy.diseaseDurationHours = health["disease_duration_hours"];
  if (Object.keys(policy).length > 0) candidate.healthPolicy = policy;
  if (spec["enabled"] === false) candidate.enabled = false;
  return candidate;
}

function obj(v: JsonValue | undefined): JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v : {};
}

/**
 * Each agent's scheduling state: the store's record (`agent cordon|drain`),
 * else `cordoned` when its manifest says `cordoned: true`, else active.
 */
export function lifecycleLookup(states: readonly AgentStateRecord[]): (agent: Resource) => AgentLifecycle {
  const byKey = new Map(states.map((s) => [`${s.project}\u0000${s.name}`, s.state]));
  return (agent) => byKey.get(`${agent.metadata.project ?? DEFAULT_PROJECT}\u0000${agent.metadata.name}`) ?? (agent.spec["cordoned"] === true ? "cordoned" : "active");
}
