/**
 * @module An agent's environment from its `env` entries: direct
 * `name`/`value`, `fromRef` (every key of an EnvStore or SecretStore) and
 * `name`/`refValue` (one key). Later entries win. Secret values are returned
 * apart so logs can be redacted. A SecretStore value given as `valueFrom`
 * is read now, by the process about to run the step, from its environment
 * or a file (secret-source.ts); one that cannot be read keeps the step from
 * starting, saying which.
 */
import type { JsonObject, JsonValue, Resource } from "../../resources/types.js";
import { readSecretSource, secretSourceOf, SecretValueError, type SecretReadContext } from "../secrets/secret-source.js";

export class AgentEnvError extends Error {
  override name = "AgentEnvError";
}

export interface AgentEnv {
  env: Record<string, string>;
  /** Values that came from a SecretStore; never to appear in logs. */
  secrets: string[];
}

const obj = (v: JsonValue | undefined): JsonObject | undefined => (v && typeof v === "object" && !Array.isArray(v) ? v : undefined);

/** The value of each key (all of them, or `only` one), references read now. */
function dataOf(store: Resource, read: SecretReadContext, only?: string): Record<string, string> {
  const data = obj(store.spec["data"]) ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (only !== undefined && k !== only) continue;
    const src = store.kind === "SecretStore" ? secretSourceOf(v) : undefined;
    if (!src) {
      out[k] = typeof v === "string" ? v : JSON.stringify(v);
      continue;
    }
    try {
      out[k] = readSecretSource(src, `SecretStore ${store.metadata.name} data.${k}`, read);
    } catch (err) {
      if (err instanceof SecretValueError) throw new AgentEnvError(err.message);
      throw err;
    }
  }
  return out;
}

/**
 * `owner` names the resource in errors; an ExecutionProfile's `env` is read
 * the same way. `read`: where `valueFrom` references are read (this
 * process's environment; files relative to the repository root).
 */
export function resolveAgentEnv(agent: Resource, stores: ReadonlyMap<string, Resource>, owner = `agent '${agent.metadata.name}'`, read: SecretReadContext = { env: process.env, baseDir: process.cwd() }): AgentEnv {
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
      const data = dataOf(s, read);
      Object.assign(env, data);
      if (s.kind === "SecretStore") secrets.push(...Object.values(data));
      return;
    }
    const name = typeof e["name"] === "string" ? e["name"] : undefined;
    if (!name) return;
    const ref = obj(e["refValue"]);
    if (ref && typeof ref["name"] === "string" && typeof ref["key"] === "string") {
      const s = storeNamed(ref["name"], `env[${i}].refValue`);
      const data = dataOf(s, read, ref["key"]);
      if (!(ref["key"] in data)) throw new AgentEnvError(`${owner} env[${i}].refValue: store '${ref["name"]}' has no key '${ref["key"]}'`);
      env[name] = data[ref["key"]]!;
      if (s.kind === "SecretStore") secrets.push(data[ref["key"]]!);
      return;
    }
    if (e["value"] !== undefined) env[name] = typeof e["value"] === "string" ? e["value"] : JSON.stringify(e["value"]);
  });
  return { env, secrets: secrets.filter((s) => s.length > 0) };
}
