/**
 * @module What a WorkflowStore says about how its entries are kept: the
 * backend (the embedded store, files, or a StoreBackendProvider's commands),
 * the JSON Schema values must match, and retention. A store no resource
 * declares is a local store with no schema and no retention, as upstream
 * provisions one on first use.
 */
import { BUILTIN_STORE_PROVIDERS } from "../../resources/schemas/workflow-store.js";
import type { JsonObject, JsonValue } from "../../resources/types.js";

export interface ProviderCommands {
  get: string;
  put: string;
  delete: string;
  list: string;
  prune?: string;
}

export type StoreBackendConfig =
  | { kind: "local" }
  | { kind: "file"; basePath?: string }
  | { kind: "command"; provider: string; commands?: ProviderCommands };

export interface StoreConfig {
  name: string;
  /** False when no WorkflowStore of that name exists (the defaults apply). */
  declared: boolean;
  backend: StoreBackendConfig;
  schema?: JsonObject;
  retention: { maxEntries?: number; ttlSeconds?: number };
}

const obj = (v: JsonValue | undefined): JsonObject | undefined => (v && typeof v === "object" && !Array.isArray(v) ? v : undefined);
const str = (v: JsonValue | undefined): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: JsonValue | undefined): number | undefined => (typeof v === "number" ? v : undefined);

/**
 * The config of store `name` from its WorkflowStore spec (undefined when
 * none is declared) and a lookup of StoreBackendProvider specs by name.
 */
export function storeConfigOf(name: string, spec: JsonObject | undefined, provider: (name: string) => JsonObject | undefined): StoreConfig {
  if (!spec) return { name, declared: false, backend: { kind: "local" }, retention: {} };
  const config: StoreConfig = { name, declared: true, backend: backendOf(spec, provider), retention: {} };
  const schema = obj(spec["schema"]);
  if (schema) config.schema = schema;
  const retention = obj(spec["retention"]) ?? {};
  const max = num(retention["max_entries"]);
  if (max !== undefined) config.retention.maxEntries = max;
  const seconds = num(retention["ttl_seconds"]) ?? (num(retention["ttl_days"]) !== undefined ? num(retention["ttl_days"])! * 86_400 : undefined);
  if (seconds !== undefined) config.retention.ttlSeconds = seconds;
  return config;
}

function backendOf(spec: JsonObject, provider: (name: string) => JsonObject | undefined): StoreBackendConfig {
  const named = str(spec["provider"]);
  const backend = str(spec["backend"]);
  const kind = named !== undefined && !BUILTIN_STORE_PROVIDERS.includes(named) ? "command" : (named ?? backend ?? "local");
  if (kind === "file") {
    const basePath = str(spec["base_path"]);
    return basePath !== undefined ? { kind: "file", basePath } : { kind: "file" };
  }
  if (kind !== "command") return { kind: "local" };
  const name = named ?? "";
  const commands = obj(provider(name)?.["commands"]);
  if (!commands) return { kind: "command", provider: name };
  const c: ProviderCommands = { get: str(commands["get"]) ?? "", put: str(commands["put"]) ?? "", delete: str(commands["delete"]) ?? "", list: str(commands["list"]) ?? "" };
  const prune = str(commands["prune"]);
  if (prune !== undefined) c.prune = prune;
  return { kind: "command", provider: name, commands: c };
}

/** Entries updated before this ISO time have expired; undefined when the store keeps them forever. */
export function notBeforeOf(config: StoreConfig, now = Date.now()): string | undefined {
  return config.retention.ttlSeconds === undefined ? undefined : new Date(now - config.retention.ttlSeconds * 1000).toISOString();
}
