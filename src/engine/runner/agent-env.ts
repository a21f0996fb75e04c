/**
 * @module An agent's environment from its `env` entries: direct
 * `name`/`value`, `fromRef` (every key of an EnvStore or SecretStore) and
 * `name`/`refValue` (one key). Later entries win. Secret values are returned
 * apart so logs can be redacted.
 */
import type { JsonObject, JsonValue, Resource } from "../../resources/types.js";

export class AgentEnvError extends Error {
  override name = "AgentEnvError";
}

export interface AgentEnv {
  env: Record<string, string>;
  /** Values that came from a SecretStore; never to appear in logs. */
  secrets: string[];
}

const obj = (v: JsonValue | undefined): JsonObject | undefined => (v && typeof v === "object" && !Array.isArray(v) ? v : undefined);

function dataOf(store: Resource): Record<string, string> {
  const data = obj(store.spec["data"]) ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

/** `owner` names the resource in errors; an ExecutionProfile's `env` is read the same way. */
export function resolveAgentEnv(agent: Resource, stores: ReadonlyMap<string, Resource>, owner = `agent '${agent.metadata.name}'`): AgentEnv {
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  const entries = Array.isArray(agent.spec["env"]) ? agent.spec["env"] : [];
  const storeNamed = (name: string, where: string): Resource => {
    const s = stores.get(name);
    if (!s) throw new AgentEnvError(`${owner} ${where} names store '${name}', which does not exist`);
    return s;
  };
  entries.forEach((raw, i) => {
    const e = obj(raw);
    if (!e) return;
    if (typeof e["fromRef"] === "string") {
      const s = storeNamed(e["fromRef"], `env[${i}].fromRef`);
      const data = dataOf(s);
      Object.assign(env, data);
      if (s.kind === "SecretStore") secrets.push(...Object.values(data));
      return;
    }
    const name = typeof e["name"] === "string" ? e["name"] : undefined;
    if (!name) return;
    const ref = obj(e["refValue"]);
    if (ref && typeof ref["name"] === "string" && typeof ref["key"] === "string") {
      const s = storeNamed(ref["name"], `env[${i}].refValue`);
      const data = dataOf(s);
      if (!(ref["key"] in data)) throw new AgentEnvError(`${owner} env[${i}].refValue: store '${ref["name"]}' has no key '${ref["key"]}'`);
      env[name] = data[ref["key"]]!;
      if (s.kind === "SecretStore") secrets.push(data[ref["key"]]!);
      return;
    }
    if (e["value"] !== undefined) env[name] = typeof e["value"] === "string" ? e["value"] : JSON.stringify(e["value"]);
  });
  return { env, secrets: secrets.filter((s) => s.length > 0) };
}
