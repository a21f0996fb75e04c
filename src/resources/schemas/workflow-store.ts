/**
 * @module WorkflowStore spec: a named key-value store steps read with
 * `store_inputs` and write with `store_outputs` or a `store_put` post-action,
 * and the StoreBackendProvider spec a store may name to keep its entries
 * through commands of its own. The checks a schema cannot say: the value
 * schema compiles, and backend, provider and base_path agree.
 */
import { customAjv } from "./ajv.js";
import { boolean, describe, isObject, nonEmptyString, object, oneOf, positiveInt, resourceName, type KindSpec, type SpecIssue } from "./common.js";

/** Providers the engine has built in; any other name is a StoreBackendProvider resource. */
export const BUILTIN_STORE_PROVIDERS: readonly string[] = ["local", "file"];

function checkWorkflowStore(spec: Record<string, unknown>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const schema = spec["schema"];
  if (isObject(schema)) {
    try {
      const { $id: _id, ...anonymous } = schema;
      customAjv().compile(anonymous);
    } catch (err) {
      issues.push({ path: ["schema"], message: `schema does not compile: ${(err as Error).message}`, hint: "use JSON Schema (type, properties, required, minimum, ...)" });
    }
  }
  const backend = typeof spec["backend"] === "string" ? spec["backend"] : undefined;
  const provider = typeof spec["provider"] === "string" ? spec["provider"] : undefined;
  if (backend === "command" && (provider === undefined || BUILTIN_STORE_PROVIDERS.includes(provider))) {
    issues.push({ path: ["provider"], message: "backend 'command' needs provider: the name of a StoreBackendProvider whose commands keep the entries", hint: "set spec.provider, or use backend: local" });
  }
  if (backend !== undefined && backend !== "command" && provider !== undefined && provider !== backend) {
    issues.push({ path: ["provider"], message: `backend '${backend}' and provider '${provider}' disagree`, hint: "give one of them (provider is the newer name for backend)" });
  }
  const kind = provider !== undefined && !BUILTIN_STORE_PROVIDERS.includes(provider) ? "command" : (provider ?? backend ?? "local");
  if (spec["base_path"] !== undefined && kind !== "file") {
    issues.push({ path: ["base_path"], message: "base_path applies to the file backend only", hint: "set backend: file, or remove base_path" });
  }
  const retention = spec["retention"];
  if (isObject(retention) && retention["ttl_seconds"] !== undefined && retention["ttl_days"] !== undefined) {
    issues.push({ path: ["retention"], message: "retention sets both ttl_seconds and ttl_days", hint: "give one of them" });
  }
  return issues;
}

export const workflowStore: KindSpec = {
  schema: object({
    backend: describe(oneOf("local", "file", "command"), "Where the entries are kept: local (the embedded SQLite store, the default), file (one file per key under base_path) or command (a StoreBackendProvider's commands, named by provider)."),
    /** Upstream's newer name for `backend`; any other name is a StoreBackendProvider. */
    provider: describe(resourceName, "Newer name for backend (local, file), or the name of a StoreBackendProvider whose commands keep the entries."),
    base_path: describe(nonEmptyString, "Directory of a file-backed store, relative to the project root; each key is a file in it."),
    schema: describe({ type: "object" }, "A JSON Schema every stored value must satisfy; a write that does not is refused."),
    retention: object({
      max_entries: describe(positiveInt, "Keep at most this many entries; the oldest go first."),
      ttl_seconds: describe(positiveInt, "Entries not updated for this many seconds are removed."),
      ttl_days: describe(positiveInt, "Entries not updated for this many days are removed."),
    }, { description: "How long entries are kept: applied on every write and by store prune." }),
  }, { description: "A named key-value store kept per project: steps read it with store_inputs and write it with store_outputs or a store_put post-action; store get|put|list|delete|prune work on it by hand." }),
  check: checkWorkflowStore,
};

export const storeBackendProvider: KindSpec = {
  schema: object({
    /** Upstream marks its own providers (local, file) built in; a resource cannot be one. */
    builtin: describe({ ...boolean, enum: [false] }, "Upstream marks its own providers (local, file) built in; a resource is never one, so only false is accepted."),
    commands: object(
      {
        get: describe(nonEmptyString, "Prints the value of KEY as JSON, or nothing when the key is absent."),
        put: describe(nonEmptyString, "Stores VALUE (JSON text, also on stdin) under KEY; TASK_ID names the writing task."),
        delete: describe(nonEmptyString, "Removes KEY."),
        list: describe(nonEmptyString, "Prints a JSON array of {key, value, updated_at}; LIMIT and OFFSET page it."),
        prune: describe(nonEmptyString, "Applies retention (MAX_ENTRIES, TTL_SECONDS, TTL_DAYS, NOT_BEFORE) and prints how many entries went; optional."),
      },
      { required: ["get", "put", "delete", "list"], description: "Shell commands that keep a store's entries; each gets STORE_NAME and PROJECT_ID in its environment, with the values it needs; a non-zero exit fails the operation." },
    ),
  }, { required: ["commands"], description: "Commands that keep a WorkflowStore's entries somewhere of your choosing (a WorkflowStore names it with provider)." }),
};

