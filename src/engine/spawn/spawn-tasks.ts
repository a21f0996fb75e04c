/**
 * @module `spawn_task` and `spawn_tasks`: child tasks created by a step's
 * post-action, each a Task resource with a task record that names its parent
 * task and step and its depth. A burst is created whole or not at all: the
 * safety limits are checked for all of it first, and the cooldown since the
 * parent's previous burst is waited out before it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { JsonObject, JsonValue } from "../../resources/types.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import type { Home } from "../../store/home-location.js";
import type { Store } from "../../store/store.js";
import type { TaskRecord, TaskStore } from "../../store/task-store.js";
import { pickJsonPath } from "../captures/captures.js";
import { evaluateJsonPath, parseJsonPath } from "../captures/json-path.js";
import { textOfValue } from "../stores/store-values.js";
import { submit } from "../tasks/submit.js";
import { cooldownWaitMs, spawnRefusal, type SpawnLimits } from "./spawn-limits.js";

/** One child to create. */
export interface SpawnRequest {
  goal: string;
  workflow?: string;
  name?: string;
}

export interface SpawnInherit {
  workspace: boolean;
  project: boolean;
  targetFiles: boolean;
}

export interface SpawnOptions {
  inherit: SpawnInherit;
  /** False: created without being queued (`task start` queues them). */
  queue: boolean;
}

export class SpawnError extends Error {
  override name = "SpawnError";
}

/** Most spawned tasks `spawn_tasks` creates from one list unless `max_tasks` says otherwise (upstream's default). */
export const DEFAULT_MAX_TASKS = 5;

const str = (v: JsonValue | undefined): string | undefined => (typeof v === "string" ? v : undefined);
const obj = (v: JsonValue | undefined): JsonObject => (v && typeof v === "object" && !Array.isArray(v) ? v : {});

export function spawnOptionsOf(action: JsonObject): SpawnOptions {
  const inherit = obj(action["inherit"]);
  return {
    inherit: { workspace: inherit["workspace"] !== false, project: inherit["project"] !== false, targetFiles: inherit["target_files"] === true },
    queue: action["queue"] !== false,
  };
}

/** `{name}` replaced by the variable of that name; unknown names stay as written. */
export function fillTemplate(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name]! : whole));
}

/** The children `spawn_tasks` describes: one per element of the list at `json_path` in the text, at most `max_tasks`. */
export function spawnRequestsFromList(text: string, action: JsonObject, fromVar: string): { requests: SpawnRequest[]; dropped: number } {
  const jsonPath = str(action["json_path"]) ?? "$";
  const picked = pickJsonPath(text, jsonPath);
  if (!picked.ok) throw new SpawnError(`spawn_tasks: ${fromVar}: ${picked.problem}`);
  if (!Array.isArray(picked.value)) throw new SpawnError(`spawn_tasks: '${jsonPath}' in ${fromVar} is not a list`);
  const mapping = obj(action["mapping"]);
  const field = (element: JsonValue, path: string | undefined): string | undefined => {
    if (path === undefined) return undefined;
    const r = evaluateJsonPath(element, parseJsonPath(path));
    return r.found && r.value !== null ? textOfValue(r.value) : undefined;
  };
  const requests = picked.value.map((element, i) => {
    const goal = str(mapping["goal"]) !== undefined ? field(element, str(mapping["goal"])) : typeof element === "string" ? element : undefined;
    if (goal === undefined || goal.trim() === "") throw new SpawnError(`spawn_tasks: element ${i} of '${jsonPath}' in ${fromVar} has no goal${str(mapping["goal"]) ? ` at '${str(mapping["goal"])}'` : ""}`);
    const r: SpawnRequest = { goal };
    const wf = field(element, str(mapping["workflow"])) ?? str(action["workflow"]);
    if (wf !== undefined) r.workflow = wf;
    const name = field(element, str(mapping["name"]));
    if (name !== undefined) r.name = name;
    return r;
  });
  const max = typeof action["max_tasks"] === "number" ? action["max_tasks"] : DEFAULT_MAX_TASKS;
  return { requests: requests.slice(0, max), dropped: Math.max(0, requests.length - max) };
}

export interface SpawnContext {
  store: Store;
  tasks: TaskStore;
  home: Home;
  parent: TaskRecord;
  /** The step whose post-action spawns. */
  step: string;
  /** The workspace root of the parent (target files are relative to it). */
  workspaceRoot: string;
  limits: SpawnLimits;
  signal?: AbortSignal;
}

/** Creates the children, or none: a refused burst throws SpawnError. */
export async function spawnChildren(ctx: SpawnContext, requests: readonly SpawnRequest[], opts: SpawnOptions): Promise<TaskRecord[]> {
  if (requests.length === 0) return [];
  const { tasks, parent } = ctx;
  const depth = parent.parent?.depth ?? 0;
  const existing = () => tasks.listTasks({ parentTaskId: parent.id });
  const before = existing();
  const refusal = spawnRefusal(ctx.limits, depth, before.length, requests.length);
  if (refusal) throw new SpawnError(`spawn refused: ${refusal}`);
  const wait = cooldownWaitMs(ctx.limits, before.at(-1)?.createdAt);
  if (wait > 0) {
    try {
      await sleep(wait, undefined, ctx.signal ? { signal: ctx.signal } : {});
    } catch {
      throw new SpawnError("spawn interrupted while waiting out safety.spawn_cooldown_seconds");
    }
  }
  const project = opts.inherit.project ? parent.project : DEFAULT_PROJECT;
  return ctx.store.writeTransaction(() => {
    // Checked again inside the transaction: another step of the same parent may have spawned meanwhile.
    const again = spawnRefusal(ctx.limits, depth, existing().length, requests.length);
    if (again) throw new SpawnError(`spawn refused: ${again}`);
    return requests.map((r) => {
      try {
        return submit(ctx.store, tasks, ctx.home, {
          kind: "Task",
          origin: "spawn",
          project,
          name: r.name ?? `spawn:${r.goal.slice(0, 40)}`,
          ...((r.workflow ?? parent.workflow) ? { workflow: r.workflow ?? parent.workflow! } : {}),
          ...(opts.inherit.workspace && parent.workspace && project === parent.project ? { workspace: parent.workspace } : {}),
          goal: r.goal,
          targetFiles: opts.inherit.targetFiles ? parent.spec.targetFiles : [],
          start: opts.queue,
          cwd: ctx.workspaceRoot,
          parent: { taskId: parent.id, step: ctx.step, depth: depth + 1 },
        }).task;
      } catch (err) {
        throw new SpawnError(`spawn of "${r.goal.slice(0, 60)}" refused: ${(err as Error).message}`);
      }
    });
  });
}
