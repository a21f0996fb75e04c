/**
 * @module The command backend: a StoreBackendProvider's shell commands keep
 * the entries. Every value a command needs comes in its environment (never
 * pasted into the command text): STORE_NAME, PROJECT_ID, KEY, VALUE (the
 * JSON text), TASK_ID, LIMIT, OFFSET, MAX_ENTRIES, TTL_SECONDS, TTL_DAYS and
 * NOT_BEFORE. `get` prints the value as JSON (nothing when the key is
 * absent); `list` prints a JSON array of `{key, value, updated_at}`. A
 * command that exits non-zero fails the operation with its stderr.
 */
import { execa } from "execa";
import type { JsonValue } from "../../../resources/types.js";
import type { Retention, StoreEntry, StoreEntryQuery } from "../../../store/workflow-store-entries.js";
import type { ProviderCommands } from "../store-config.js";
import { StoreBackendError, type StoreBackend } from "./backend.js";

/** How long one provider command may run. */
const COMMAND_TIMEOUT_MS = 30_000;

export class CommandStoreBackend implements StoreBackend {
  constructor(
    private readonly provider: string,
    private readonly commands: ProviderCommands,
    private readonly cwd: string,
  ) {}

  private async run(op: keyof ProviderCommands, env: Record<string, string>, input?: string): Promise<string> {
    const command = this.commands[op];
    if (!command) throw new StoreBackendError(`store backend provider '${this.provider}' has no ${op} command`);
    const r = await execa("/bin/sh", ["-c", command], {
      cwd: this.cwd,
      env,
      reject: false,
      timeout: COMMAND_TIMEOUT_MS,
      ...(input !== undefined ? { input } : { stdin: "ignore" }),
    });
    if (r.timedOut) throw new StoreBackendError(`store backend provider '${this.provider}': ${op} command timed out after ${COMMAND_TIMEOUT_MS / 1000}s`);
    if (r.exitCode !== 0) {
      const why = String(r.stderr).trim().split("\n").slice(-3).join(" ") || `exit ${r.exitCode ?? "?"}`;
      throw new StoreBackendError(`store backend provider '${this.provider}': ${op} command failed (exit ${r.exitCode ?? "?"}): ${why}`);
    }
    return String(r.stdout).trim();
  }

  private parse(op: string, text: string): JsonValue {
    try {
      return JSON.parse(text) as JsonValue;
    } catch (err) {
      throw new StoreBackendError(`store backend provider '${this.provider}': ${op} printed something that is not JSON (${(err as Error).message}): ${text.slice(0, 200)}`);
    }
  }

  async get(project: string, store: string, key: string): Promise<StoreEntry | undefined> {
    const out = await this.run("get", { STORE_NAME: store, PROJECT_ID: project, KEY: key });
    if (out === "") return undefined;
    return { key, value: this.parse("get", out), taskId: null, createdAt: "", updatedAt: "" };
  }

  async put(project: string, store: string, key: string, value: JsonValue, opts: { taskId: string | null; retention: Retention }): Promise<{ pruned: number }> {
    const text = JSON.stringify(value);
    await this.run("put", { STORE_NAME: store, PROJECT_ID: project, KEY: key, VALUE: text, TASK_ID: opts.taskId ?? "" }, text);
    const keeps = opts.retention.maxEntries !== undefined || opts.retention.notBefore !== undefined;
    return { pruned: keeps ? await this.prune(project, store, opts.retention) : 0 };
  }

  async delete(project: string, store: string, key: string): Promise<boolean> {
    await this.run("delete", { STORE_NAME: store, PROJECT_ID: project, KEY: key });
    return true;
  }

  async list(project: string, store: string, query: StoreEntryQuery): Promise<StoreEntry[]> {
    const env: Record<string, string> = { STORE_NAME: store, PROJECT_ID: project, LIMIT: String(query.limit ?? ""), OFFSET: String(query.offset ?? 0) };
    const out = await this.run("list", env);
    if (out === "") return [];
    const parsed = this.parse("list", out);
    if (!Array.isArray(parsed)) throw new StoreBackendError(`store backend provider '${this.provider}': list must print a JSON array of {key, value, updated_at}`);
    const entries: StoreEntry[] = [];
    for (const e of parsed) {
      if (!e || typeof e !== "object" || Array.isArray(e) || typeof e["key"] !== "string") continue;
      const updatedAt = typeof e["updated_at"] === "string" ? e["updated_at"] : "";
      entries.push({ key: e["key"], value: e["value"] ?? null, taskId: typeof e["task_id"] === "string" ? e["task_id"] : null, createdAt: updatedAt, updatedAt });
    }
    // The provider may ignore LIMIT/OFFSET and the filters: applied again here.
    const kept = entries.filter((e) => (query.taskId === undefined || e.taskId === query.taskId) && (query.notBefore === undefined || e.updatedAt === "" || e.updatedAt >= query.notBefore));
    return query.limit === undefined ? kept : kept.slice(0, query.limit);
  }

  async prune(project: string, store: string, retention: Retention): Promise<number> {
    const env: Record<string, string> = { STORE_NAME: store, PROJECT_ID: project };
    if (retention.maxEntries !== undefined) env["MAX_ENTRIES"] = String(retention.maxEntries);
    if (retention.notBefore !== undefined) {
      const seconds = Math.max(0, Math.round((Date.now() - Date.parse(retention.notBefore)) / 1000));
      env["NOT_BEFORE"] = retention.notBefore;
      env["TTL_SECONDS"] = String(seconds);
      env["TTL_DAYS"] = String(Math.max(1, Math.round(seconds / 86_400)));
    }
    const out = await this.run("prune", env);
    const n = Number.parseInt(out, 10);
    return Number.isFinite(n) ? n : 0;
  }
}
