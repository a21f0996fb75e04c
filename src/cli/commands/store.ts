/**
 * @module `orchestrator store get|put|list|delete|prune`: the entries of
 * workflow stores, through the same layer the engine uses (schema checks,
 * retention, backends), scoped by `--project` (default: the default project).
 */
import { readFileSync } from "node:fs";
import { textOfValue, valueFromText } from "../../engine/stores/store-values.js";
import { WorkflowStoreError, WorkflowStores } from "../../engine/stores/workflow-stores.js";
import { StoreBackendError } from "../../engine/stores/backends/backend.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import { openTaskStore } from "../../store/task-store.js";
import type { StoreEntry } from "../../store/workflow-store-entries.js";
import { withStore, type CommandContext } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { formatAge } from "../output/age.js";
import { writeErr, writeOut } from "../output/io.js";
import { renderTable } from "../output/table.js";
import type { OutputFormat } from "../output/format.js";
import { formatName } from "../output/printer.js";

interface Scoped {
  project?: string;
}

export interface StoreGetOptions extends Scoped {
  output?: OutputFormat | "value" | "json" | "yaml";
}

export interface StorePutOptions extends Scoped {
  taskId?: string;
}

export interface StoreListOptions extends Scoped {
  limit?: string;
  offset?: string;
  taskId?: string;
  output?: OutputFormat | "table" | "json" | "yaml";
}

/** The longest value text a table cell shows. */
const VALUE_WIDTH = 60;

function entryJson(e: StoreEntry): Record<string, unknown> {
  return { key: e.key, value: e.value, taskId: e.taskId, createdAt: e.createdAt, updatedAt: e.updatedAt };
}

function count(flag: string, raw: string | undefined, dflt: number): number {
  if (raw === undefined) return dflt;
  if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} must be a whole number, not '${raw}'`);
  return Number(raw);
}

/** Runs a store operation, turning what the user can fix into a plain error. */
async function storeOp<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WorkflowStoreError || err instanceof StoreBackendError) throw new CliError(err.message);
    throw err;
  }
}

/** `--task-id` by id, unique id prefix or name, as every task command takes it. */
function taskIdOf(ctx: CommandContext, ref: string | undefined, project: string): string | undefined {
  if (ref === undefined) return undefined;
  try {
    return openTaskStore(ctx.store).resolveTask(ref, { project }).id;
  } catch (err) {
    throw new CliError(`--task-id: ${(err as Error).message}`);
  }
}

export async function storeGetCommand(name: string, key: string, opts: StoreGetOptions): Promise<void> {
  const project = opts.project ?? DEFAULT_PROJECT;
  await withStore(async ({ store, home }) => {
    const entry = await storeOp(() => new WorkflowStores(store, home).get(project, name, key));
    if (!entry) throw new CliError(`key '${key}' not found in store '${name}' (project '${project}')`);
    const output = formatName(opts.output);
    if (output === "json") writeOut(JSON.stringify(entryJson(entry), null, 2) + "\n");
    else if (output === "yaml") writeOut((await import("../output/yaml.js")).toYaml(entryJson(entry)));
    // A string prints as its text (for `$(orchestrator store get ...)`), anything else as JSON.
    else writeOut(`${typeof entry.value === "string" ? entry.value : JSON.stringify(entry.value, null, 2)}\n`);
  });
}

export async function storePutCommand(name: string, key: string, raw: string, opts: StorePutOptions): Promise<void> {
  const project = opts.project ?? DEFAULT_PROJECT;
  const text = raw === "-" ? readFileSync(0, "utf8") : raw;
  await withStore(async (ctx) => {
    const stores = new WorkflowStores(ctx.store, ctx.home);
    const taskId = taskIdOf(ctx, opts.taskId, project);
    const config = stores.config(project, name);
    const { pruned } = await storeOp(() => stores.put(project, name, key, valueFromText(text), taskId ?? null));
    if (!config.declared) writeErr(`note: no WorkflowStore '${name}' is declared in project '${project}'; it is a local store with no schema and no retention\n`);
    writeOut(`stored key '${key}' in store '${name}'${pruned ? ` (${pruned} older entr${pruned === 1 ? "y" : "ies"} removed by retention)` : ""}\n`);
  });
}

export async function storeDeleteCommand(name: string, key: string, opts: Scoped): Promise<void> {
  const project = opts.project ?? DEFAULT_PROJECT;
  await withStore(async ({ store, home }) => {
    const existed = await storeOp(() => new WorkflowStores(store, home).delete(project, name, key));
    if (!existed) throw new CliError(`key '${key}' not found in store '${name}' (project '${project}')`);
    writeOut(`deleted key '${key}' from store '${name}'\n`);
  });
}

export async function storePruneCommand(name: string, opts: Scoped): Promise<void> {
  const project = opts.project ?? DEFAULT_PROJECT;
  await withStore(async ({ store, home }) => {
    const stores = new WorkflowStores(store, home);
    const { retention } = stores.config(project, name);
    if (retention.maxEntries === undefined && retention.ttlSeconds === undefined) {
      writeOut(`store '${name}' has no retention (spec.retention.max_entries, ttl_seconds); nothing to prune\n`);
      return;
    }
    const n = await storeOp(() => stores.prune(project, name));
    writeOut(`pruned ${n} entr${n === 1 ? "y" : "ies"} from store '${name}'\n`);
  });
}

export async function storeListCommand(name: string | undefined, opts: StoreListOptions): Promise<void> {
  const project = opts.project ?? DEFAULT_PROJECT;
  const limit = count("--limit", opts.limit, 100);
  const offset = count("--offset", opts.offset, 0);
  // `-o` as the output contract parses it: its human form (a table) is named `text` there.
  const output = formatName(opts.output) === "text" ? "table" : formatName(opts.output);
  await withStore(async (ctx) => {
    const stores = new WorkflowStores(ctx.store, ctx.home);
    if (name === undefined) {
      const all = stores.summaries(project);
      if (output !== "table") {
        const rows = all.map((s) => ({ store: s.store, backend: s.backend, declared: s.declared, entries: s.entries < 0 ? null : s.entries, updatedAt: s.updatedAt || null }));
        writeOut(output === "json" ? JSON.stringify(rows, null, 2) + "\n" : (await import("../output/yaml.js")).toYaml(rows));
        return;
      }
      if (all.length === 0) {
        writeErr(`no workflow stores in project '${project}'\n`);
        return;
      }
      writeOut(renderTable(["STORE", "BACKEND", "ENTRIES", "UPDATED"], all.map((s) => [s.store, s.backend, s.entries < 0 ? "-" : String(s.entries), s.updatedAt ? formatAge(s.updatedAt) : "-"])));
      return;
    }
    const taskId = taskIdOf(ctx, opts.taskId, project);
    const entries = await storeOp(() => stores.list(project, name, { limit, offset, ...(taskId !== undefined ? { taskId } : {}) }));
    if (output === "json") return writeOut(JSON.stringify(entries.map(entryJson), null, 2) + "\n");
    if (output === "yaml") return writeOut((await import("../output/yaml.js")).toYaml(entries.map(entryJson)));
    if (entries.length === 0) {
      writeErr(`no entries in store '${name}' (project '${project}')\n`);
      return;
    }
    const cell = (e: StoreEntry): string => {
      const t = textOfValue(e.value).replace(/\s+/g, " ");
      return t.length > VALUE_WIDTH ? `${t.slice(0, VALUE_WIDTH - 3)}...` : t;
    };
    writeOut(renderTable(["KEY", "TASK", "UPDATED", "VALUE"], entries.map((e) => [e.key, e.taskId ?? "-", e.updatedAt ? formatAge(e.updatedAt) : "-", cell(e)])));
  });
}
