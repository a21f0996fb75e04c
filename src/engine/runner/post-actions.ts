/**
 * @module What happens after a step ran: its `behavior.post_actions` in
 * order (`create_ticket`, `scan_tickets`, `store_put`, `spawn_task`,
 * `spawn_tasks`, `generate_items`), then its `store_outputs`. Each reads
 * the variables the step saw plus what it captured and printed; a variable
 * no pipeline variable names is taken from the top level of the JSON the
 * step printed (`from_var: bench_result` with `{"bench_result": ...}` on
 * stdout). An action that cannot do its work fails the step with the reason;
 * the engine never reports a write or a spawn that did not happen.
 */
import type { JsonObject } from "../../resources/types.js";
import type { Store } from "../../store/store.js";
import type { TaskStore } from "../../store/task-store.js";
import { generateItemsSpecOf, extractGeneratedItems, GenerateItemsError } from "../items/generate-items.js";
import { isJsonObject, lastJsonValue } from "../output/json-extract.js";
import type { PlannedStep } from "../plan/types.js";
import { spawnLimitsOf } from "../spawn/spawn-limits.js";
import { fillTemplate, SpawnError, spawnChildren, spawnOptionsOf, spawnRequestsFromList, type SpawnRequest } from "../spawn/spawn-tasks.js";
import { StoreBackendError } from "../stores/backends/backend.js";
import { textOfValue, valueFromText } from "../stores/store-values.js";
import { WorkflowStoreError, type WorkflowStores } from "../stores/workflow-stores.js";
import { addGeneratedItems } from "../items/add-generated.js";
import type { ScopeState } from "./step-runner.js";
import type { TaskContext } from "./task-context.js";
import { createTicket, openTickets } from "./tickets.js";

export interface PostActionContext {
  ctx: TaskContext;
  tasks: TaskStore;
  store: Store;
  stores: WorkflowStores;
  cycle: number;
  signal: AbortSignal;
  log?: (line: string) => void;
  event?: (type: string, message: string, data: JsonObject) => void;
  /** Told when items were generated, so the runner takes them into the cycle. */
  onItemsGenerated?: () => void;
}

export interface StepResultView {
  step: PlannedStep;
  scope: ScopeState;
  runId: string;
  succeeded: boolean;
  exitCode: number;
  stdout: string;
  stderr: string;
  captureFlags: Readonly<Record<string, boolean>>;
  /** Every variable the step saw, with its own captures and `<id>_output`. */
  vars: Readonly<Record<string, string>>;
  /** Writes a line to the step's log. */
  note: (line: string) => void;
}

/** Why the step must count as failed, when an action could not do its work. */
export interface PostActionOutcome {
  failure?: string;
}

class ActionFailure extends Error {}

export async function runPostActions(pc: PostActionContext, r: StepResultView): Promise<PostActionOutcome> {
  const { ctx } = pc;
  const where = `step ${r.step.id}${r.scope.item ? ` [${r.scope.item.path}]` : ""}`;
  try {
    for (const action of r.step.spec.behavior?.post_actions ?? []) {
      const a = action as unknown as JsonObject;
      switch (action.type) {
        case "create_ticket": {
          const failed = !r.succeeded || Object.entries(r.captureFlags).some(([k, v]) => k.endsWith("failed") && v);
          if (!failed || !ctx.workspace.ticketDir) break;
          let path: string;
          try {
            path = createTicket(
              ctx.workspace.ticketDir,
              { taskId: ctx.task.id, item: r.scope.item?.path ?? "", step: r.step.id, cycle: pc.cycle, exitCode: r.exitCode, output: r.stdout + r.stderr },
              ctx.workspace.root,
            );
          } catch (err) {
            // Not the step's fault: the engine's own, which fails the task (EngineError).
            const message = `post action create_ticket could not write a ticket in ${ctx.workspace.ticketDirRel}: ${(err as Error).message}`;
            r.note(message);
            throw new Error(message);
          }
          r.scope.facts = { ...r.scope.facts, newTicketCount: r.scope.facts.newTicketCount + 1 };
          r.note(`ticket created: ${path}`);
          break;
        }
        case "scan_tickets":
          break;
        case "store_put":
          await storeWrite(pc, r, String(a["store"] ?? ""), String(a["key"] ?? ""), String(a["from_var"] ?? ""), "store_put");
          break;
        case "spawn_task":
        case "spawn_tasks":
          if (!r.succeeded) {
            r.note(`${action.type} skipped: the step did not succeed`);
            break;
          }
          await spawn(pc, r, a);
          break;
        case "generate_items":
          if (!r.succeeded) {
            r.note("generate_items skipped: the step did not succeed");
            break;
          }
          generate(pc, r, a);
          break;
        default:
          // The schema admits no other type; a stored manifest from before a type was removed still says why nothing happened.
          throw new ActionFailure(`post action '${action.type}' is not supported`);
      }
    }
    for (const out of r.step.spec.store_outputs ?? []) await storeWrite(pc, r, out.store, out.key, out.from_var, "store_outputs");
  } catch (err) {
    if (err instanceof ActionFailure) {
      r.note(`post action failed: ${err.message}`);
      pc.log?.(`${where}: ${err.message}`);
      return { failure: err.message };
    }
    throw err;
  } finally {
    if (ctx.workspace.ticketDir) r.scope.facts = { ...r.scope.facts, activeTicketCount: openTickets(ctx.workspace.ticketDir, r.scope.item?.path).length };
  }
  return {};
}

/** A variable by name, else the field of that name at the top of the JSON the step printed. */
function variable(r: StepResultView, name: string): string | undefined {
  if (Object.hasOwn(r.vars, name)) return r.vars[name];
  const json = lastJsonValue(r.stdout, (v) => isJsonObject(v) && Object.hasOwn(v, name));
  return isJsonObject(json) ? textOfValue(json[name]!) : undefined;
}

async function storeWrite(pc: PostActionContext, r: StepResultView, storeName: string, rawKey: string, fromVar: string, what: string): Promise<void> {
  const key = fillTemplate(rawKey, r.vars);
  const text = variable(r, fromVar);
  if (text === undefined) {
    // A failed step often has nothing to write; its failure already says so.
    if (!r.succeeded) {
      r.note(`${what} ${storeName}/${key} skipped: the step failed and '${fromVar}' is not set`);
      return;
    }
    throw new ActionFailure(`${what} to store '${storeName}' key '${key}': no variable '${fromVar}' (and no '${fromVar}' field in the step's JSON output)`);
  }
  try {
    const { pruned } = await pc.stores.put(pc.ctx.project, storeName, key, valueFromText(text), pc.ctx.task.id);
    r.note(`${what}: wrote '${fromVar}' to store '${storeName}' key '${key}'${pruned ? ` (${pruned} entries removed by retention)` : ""}`);
    pc.event?.("store_written", `${r.step.id}: ${storeName}/${key}`, { runId: r.runId, step: r.step.id, store: storeName, key, pruned });
  } catch (err) {
    if (err instanceof WorkflowStoreError || err instanceof StoreBackendError) throw new ActionFailure(`${what}: ${err.message}`);
    throw err;
  }
}

async function spawn(pc: PostActionContext, r: StepResultView, action: JsonObject): Promise<void> {
  const { ctx } = pc;
  let requests: SpawnRequest[];
  let dropped = 0;
  try {
    if (action["type"] === "spawn_task") {
      const req: SpawnRequest = { goal: fillTemplate(String(action["goal"] ?? ""), r.vars) };
      if (typeof action["workflow"] === "string") req.workflow = action["workflow"];
      requests = [req];
    } else {
      const fromVar = String(action["from_var"] ?? "");
      const text = variable(r, fromVar);
      if (text === undefined) throw new SpawnError(`spawn_tasks: no variable '${fromVar}'`);
      ({ requests, dropped } = spawnRequestsFromList(text, action, fromVar));
    }
    const children = await spawnChildren(
      {
        store: pc.store,
        tasks: pc.tasks,
        home: ctx.home,
        parent: ctx.task,
        step: r.step.id,
        workspaceRoot: ctx.workspace.root,
        limits: spawnLimitsOf(ctx.workflow.safety),
        signal: pc.signal,
      },
      requests,
      spawnOptionsOf(action),
    );
    const ids = children.map((c) => c.id);
    r.note(`${String(action["type"])}: spawned ${ids.length} task(s): ${children.map((c) => `${c.id} (${c.workflow ?? "?"}: ${c.goal.slice(0, 60)})`).join(", ")}${dropped ? `; ${dropped} more left out by max_tasks` : ""}`);
    pc.log?.(`step ${r.step.id} spawned ${ids.join(", ")}`);
    pc.event?.("task_spawned", `${r.step.id} spawned ${ids.length} task(s)`, { runId: r.runId, step: r.step.id, children: ids, dropped });
  } catch (err) {
    if (err instanceof SpawnError) throw new ActionFailure(err.message);
    throw err;
  }
}

function generate(pc: PostActionContext, r: StepResultView, action: JsonObject): void {
  const spec = generateItemsSpecOf(action);
  const text = variable(r, spec.fromVar);
  if (text === undefined) throw new ActionFailure(`generate_items: no variable '${spec.fromVar}'`);
  let items;
  try {
    items = extractGeneratedItems(text, spec);
  } catch (err) {
    if (err instanceof GenerateItemsError) throw new ActionFailure(err.message);
    throw err;
  }
  const result = addGeneratedItems(pc.tasks, pc.ctx.task.id, items, spec.replace);
  r.note(
    `generate_items: ${result.created.length} item(s) created${result.skipped.length ? `, ${result.skipped.length} already present (${result.skipped.join(", ")})` : ""}${
      result.replaced.length ? `, ${result.replaced.length} replaced` : ""
    }${items.length === 0 ? " (the list was empty)" : ""}`,
  );
  pc.event?.("items_generated", `${r.step.id} generated ${result.created.length} item(s)`, {
    runId: r.runId,
    step: r.step.id,
    count: result.created.length,
    replace: spec.replace,
    replaced: result.replaced.length,
    items: result.created.map((i) => i.path),
  });
  pc.onItemsGenerated?.();
}
