/**
 * @module Resources shared by the diff tests: a workflow, an agent and a
 * secret store, in their live (stored) and desired forms.
 */
import type { Resource } from "../../../src/resources/types.js";

export const API = "orchestrator.dev/v2";

export function workflow(command: string, extra: Record<string, string> = {}): Resource {
  return {
    apiVersion: API,
    kind: "Workflow",
    metadata: { name: "qa", project: "default" },
    spec: {
      steps: [
        { id: "plan", type: "plan", command: "echo plan" },
        { id: "implement", type: "implement", command },
        { id: "test", type: "test", command: "npm test" },
      ],
      loop: { mode: "fixed", max_cycles: 2 },
      ...extra,
    },
  };
}

export function agent(name: string, command = "claude -p {prompt}"): Resource {
  return { apiVersion: API, kind: "Agent", metadata: { name }, spec: { command, capabilities: ["implement"] } };
}

export function secretStore(data: Record<string, string>, name = "api-keys"): Resource {
  return { apiVersion: API, kind: "SecretStore", metadata: { name, project: "default" }, spec: { data } };
}
