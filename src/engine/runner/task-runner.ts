/**
 * @module Running a claimed task to its end: set-up (plan, workspace,
 * items), then cycles of scope segments, finalize rules per item, guard
 * steps and the loop decision, then the terminal phase. Everything the next
 * process needs to resume is in the store: a step that finished in a cycle is
 * never run twice, and a paused or interrupted task continues where it stopped.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "../../resources/types.js";
import type { Home } from "../../store/home.js";
import type { Store } from "../../store/store.js";
import type { ItemRecord, ItemStatus, RunRecord, TaskPhase, TaskRecord, TaskStore } from "../../store/task-store.js";
import { finalizeItemCycle } from "../finalize/finalize.js";
import { decideNextCycle, type CycleDecision, type GuardVerdict } from "../plan/loop.js";
import { guardStepsForCycle, segmentsOf, stepsForCycle } from "../plan/segments.js";
import type { ExecutionPlan, PlannedStep } from "../plan/types.js";
import { finalizeVariables } from "../prehook/context.js";
import { evaluateConvergence } from "../prehook/evaluate.js";
import { emptyItemFacts, recordStepRun, recordStepSkipped, stepRolesOf, type StepRoles } from "../prehook/facts.js";
import { SETTLED_ITEM_STATUSES } from "../items/add-generated.js";
import { WorkflowStores } from "../stores/workflow-stores.js";
import { itemOutputFields } from "./item-outputs.js";
import { collectItemPaths } from "./items.js";
import { LOOP_STOP_KEY, OUTCOME_REASON_KEY, publishTaskStatus } from "./resource-status.js";
import { rerunIds } from "./rerun.js";
import { probeWorkspaceProblem } from "../../resources/safety-profile.js";
import { cycleGuardsOf, rapidCycle, sleep, staggerOf, StartStagger } from "./cycle-guards.js";
import { heldMessage, resumesOnItsOwn } from "./runtime-policy.js";
import { TaskSafety, TaskSafetyError } from "./task-safety.js";
import { SELF_RESTART_KEY, sameEntry, type RestartRequest } from "./self-restart.js";
import { orchestratorCli } from "./self-test.js";
import { selfReferentialVerdict } from "./self-referential.js";
import { cleanupItemWorktrees, itemIsolationOf } from "./item-isolation.js";
import { ADAPTIVE_PLAN_KEY, adaptiveStepsForCycle } from "../adaptive/adaptive-cycle.js";
import { executionKey, runStep, type ScopeState, type StepOutcome, type TaskState } from "./step-runner.js";
import { loadTaskContext, type TaskContext } from "./task-context.js";
import { warmSandboxProbe } from "./step-boundary.js";
import { boundedReason } from "./failure-reason.js";

export interface TaskRunnerDeps {
  store: Store;
  tasks: TaskStore;
  home: Home;
  /** Aborted when the controller stops: the task is put back on the queue. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** How often the runner checks for pause/cancel while a step runs. */
  pollMs?: number;
  /** A `self_restart` step asks the process running the task to restart onto the rebuilt CLI. */
  onSelfRestart?: (req: RestartRequest) => void;
  /**
   * Called once its steps have stopped, just before the task's outcome (a
   * final phase, Paused, or back on the queue) is written, or, when another
   * process paused or cancelled it, before the runner lets go of it (its
   * claim): whoever reads that may read the logs at once (a shared store's logs are copied here).
   */
  beforeOutcome?: (taskId: string) => void;
}

/** How often a running task's status file is rewritten at most. */
const STATUS_FILE_INTERVAL_MS = 1000;

/** Item statuses that need no more work (`eliminated`: not kept by `item_select`; `replaced`: set aside by `generate_items`). */
const SETTLED: ReadonlySet<string> = SETTLED_ITEM_STATUSES;
/**
 * Item statuses that make the task fail when it ends with them: upstream's
 * unresolved ones (`unresolved`, `qa_failed`), plus `failed` and `blocked`,
 * which a workflow sets to say an item did not make it.
 */
const BAD: ReadonlySet<string> = new Set(["unresolved", "qa_failed", "failed", "blocked"]);

const FAILED_RUN = new Set(["failed", "timed_out"]);

interface Stop {
  kind: "interrupted" | "failed" | "restart";
  message: string;
  /** The task's outcome reason: `EngineError` for a fault of the engine's own. */
  reason?: string;
  /** restart: the CLI entry the task continues on. */
  entry?: string;
}

/** The outcome reason of a task failed by a fault of the engine's own (a ticket it could not write, a store error). */
const ENGINE_ERROR = "EngineError";

/**
 * Runs the task until it completes, fails, is paused or the controller
 * stops. Given the task as its claim returned it, the runner does not read it again.
 */
export async function runTask(taskOrId: string | TaskRecord, deps: TaskRunnerDeps): Promise<TaskRecord> {
  const { tasks, store, home } = deps;
  const found = typeof taskOrId === "string" ? tasks.getTask(taskOrId) : taskOrId;
  if (!found) throw new Error(`task ${String(taskOrId)} not found`);
  const task = verifyRestart(deps, found);
  const log = (line: string): void => deps.log?.(`[${task.id}] ${line}`);

  let ctx: TaskContext;
  let items: ItemRecord[];
  let started = task;
  try {
    ctx = loadTaskContext(store, home, task);
    warmSandboxProbe(ctx);
    const probe = probeWorkspaceProblem(ctx.workflowName, ctx.workflow as unknown as Record<string, unknown>, { name: ctx.workspace.name, selfReferential: ctx.workspace.selfReferential });
    if (probe) throw new Error(probe);
    // A self-referential workspace needs a workflow that can recover from breaking it.
    const selfRef = selfReferentialVerdict(ctx.workflowName, ctx.workflow, ctx.plan.steps, ctx.workspace);
    if (selfRef.errors.length) throw new Error(`self-referential safety policy refuses the task: ${selfRef.errors.join("; ")}`);
    for (const w of selfRef.warnings) {
      log(`warning: ${w}`);
      store.appendEvent({ type: "self_referential_warning", taskId: task.id, project: task.project, message: w });
    }
    items = tasks.listItems(task.id);
    if (items.length === 0 && task.state["itemsCreated"] !== true) {
      const paths = collectItemPaths(ctx.workspace.root, ctx.workspace.qaTargets, task.spec.targetFiles);
      if (paths.length) items = tasks.createItems(task.id, paths.map((path) => ({ path })));
      // Recorded with the first cycle's state: items made, or none to make.
      started = { ...task, state: { ...task.state, itemsCreated: true } };
    }
  } catch (err) {
    return finish(deps, task.id, "Failed", 1, (err as Error).message);
  }
  const noItems = items.length === 0 ? noItemsMessage(ctx) : undefined;
  if (noItems) return finish(deps, task.id, "Failed", 1, noItems, undefined, { reason: "NoItems", state: started.state });
  // The log directory is made by the first thing written into it (a step's log, on the helper process when there is one).

  // Pause and cancel come from other processes through the store.
  const local = new AbortController();
  // The caller's signal (the controller stopping) aborts this task's too; a listener costs less than AbortSignal.any.
  const stopOuter = (): void => local.abort(deps.signal?.reason);
  if (deps.signal?.aborted) stopOuter();
  else deps.signal?.addEventListener("abort", stopOuter, { once: true });
  const signal = local.signal;
  const poll = setInterval(() => {
    const t = tasks.getTask(task.id);
    if (t && (t.phase === "Paused" || t.phase === "Cancelled")) local.abort();
  }, deps.pollMs ?? 250);
  poll.unref();

  try {
    return await runCycles(deps, ctx, started, items, signal, log);
  } catch (err) {
    // A fault of the engine's own (a ticket it cannot write, a store error): the task fails with it, never stays Running.
    return failOnError(deps, task.id, err);
  } finally {
    clearInterval(poll);
    deps.signal?.removeEventListener("abort", stopOuter);
  }
}

function loadState(task: TaskRecord): TaskState {
  const s = task.state as JsonObject;
  const obj = (v: unknown): Record<string, string> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, string>) : {});
  const state: TaskState = {
    vars: { ...task.spec.vars, ...obj(s["vars"]) },
    stepOutputs: obj(s["stepOutputs"]),
    prevStdout: typeof s["prevStdout"] === "string" ? s["prevStdout"] : "",
    prevStderr: typeof s["prevStderr"] === "string" ? s["prevStderr"] : "",
  };
  if (typeof s["planOutputPath"] === "string") state.planOutputPath = s["planOutputPath"];
  return state;
}

/** The task's state with what the runner holds (`task`: as the runner last wrote it). */
function stateToSave(task: TaskRecord, state: TaskState, extra: JsonObject = {}): JsonObject {
  const s: JsonObject = { ...task.state, vars: state.vars, stepOutputs: state.stepOutputs, prevStdout: state.prevStdout.slice(-4096), prevStderr: state.prevStderr.slice(-4096), ...extra };
  if (state.planOutputPath) s["planOutputPath"] = state.planOutputPath;
  return s;
}

function saveState(tasks: TaskStore, task: TaskRecord, state: TaskState, cycle: number): TaskRecord {
  return tasks.updateTask(task.id, { state: stateToSave(task, state), cycle });
}

/**
 * Why a task with no items cannot run: its plan has item-scoped steps, and
 * running none of them would report success for work that never happened.
 * Undefined when the plan needs no items or the workflow allows none.
 */
function noItemsMessage(ctx: TaskContext): string | undefined {
  const itemSteps = itemScopedSteps(ctx.plan);
  if (itemSteps.length === 0 || ctx.workflow.allow_no_items === true || generatesItems(ctx.plan)) return undefined;
  const targets = ctx.workspace.qaTargets.length ? `no .md file under qa_targets (${ctx.workspace.qaTargets.join(", ")})` : "no qa_targets";
  return (
    `no items: workflow '${ctx.workflowName}' runs item-scoped steps (${itemSteps.join(", ")}) but workspace '${ctx.workspace.name}' yields no items ` +
    `(${targets} and no --target-file); add QA documents, pass --target-file, or set spec.allow_no_items: true in the workflow`
  );
}

/** A step of the plan makes items at run time (`generate_items`): the workspace need not yield any. */
function generatesItems(plan: ExecutionPlan): boolean {
  const makes = (steps: readonly PlannedStep[]): boolean => steps.some((s) => (s.spec.behavior?.post_actions ?? []).some((a) => a.type === "generate_items") || makes(s.chain));
  return makes(plan.steps);
}

function itemScopedSteps(plan: ExecutionPlan): string[] {
  return plan.steps.filter((s) => s.scope === "item" && !s.isGuard).map((s) => s.id);
}

/** Items not yet resolved; blocked ones wait for a person (`task resume --reset-blocked`): no further cycle can resolve them. */
function unresolvedCount(items: readonly ItemRecord[]): number {
  return items.filter((i) => (BAD.has(i.status) && i.status !== "blocked") || i.status === "pending").length;
}

/**
 * Steps that could not start in this task (runs not marked to run again): they fail it, whatever later cycles did.
 * `task`: as the runner last wrote it (its state, with the runs marked to run again, is the runner's to write).
 */
function notStartedFailures(tasks: TaskStore, task: TaskRecord, itemPaths: ReadonlyMap<string, string>): string[] {
  const rerun = rerunIds(task.state);
  const seen = new Set<string>();
  for (const r of tasks.listRuns(task.id)) {
    if (r.output?.["not_started"] !== true || rerun.has(r.id)) continue;
    const item = r.itemId ? ` [${itemPaths.get(r.itemId) ?? r.itemId}]` : "";
    seen.add(`step ${r.stepId}${item} ${r.reason ?? "could not start"}`);
  }
  return [...seen];
}

/** The loop's stop as recorded in the task's state (`task info`, the resource status). */
function loopStopRecord(decision: CycleDecision, cycle: number): JsonObject {
  const stop: JsonObject = { stoppedBy: decision.stoppedBy ?? "unknown", reason: decision.reason, cycle };
  if (decision.step) stop["step"] = decision.step;
  if (decision.expression) stop["expression"] = decision.expression;
  return stop;
}

/** Finished runs by execution key; cancelled, interrupted and retried runs are run again. */
function finishedRuns(tasks: TaskStore, task: TaskRecord): Map<string, RunRecord> {
  const map = new Map<string, RunRecord>();
  const rerun = rerunIds(task.state);
  for (const r of tasks.listRuns(task.id)) {
    if (r.finishedAt === null || r.status === "cancelled" || r.status === "interrupted" || rerun.has(r.id)) continue;
    map.set(executionKey(r.cycle, r.stepId, r.itemId), r);
  }
  return map;
}

async function runCycles(deps: TaskRunnerDeps, ctx: TaskContext, started: TaskRecord, items: ItemRecord[], signal: AbortSignal, log: (l: string) => void): Promise<TaskRecord> {
  const { tasks, store } = deps;
  let task = started;
  const state = loadState(task);
  const stores = new WorkflowStores(store, deps.home);
  const roles = stepRolesOf(ctx.plan.steps);
  const policy = ctx.plan.loop;
  const safety = ctx.workflow.safety ?? {};
  const maxConsecutive = typeof safety["max_consecutive_failures"] === "number" ? safety["max_consecutive_failures"] : undefined;
  let consecutiveFailures = 0;
  const guards = cycleGuardsOf(ctx.workflow);
  let rapidCycles = 0;
  const itemPaths = new Map(items.map((i) => [i.id, i.path]));
  // The store has every status as it changes; the file a second into the run, then at most once a
  // second (a step that runs long shows in it), and when the task stops: a file costs more than a row,
  // and a task done within a second needs only its last one.
  let fileWrittenAt = Date.now();
  /** `record`: the task as this runner just wrote it (read back in the same transaction), saving a read. */
  const publish = (record?: TaskRecord): void => {
    // A task that executes no Task or Run resource has no status to publish: nothing to read for it.
    if (!hasResource(ctx.task)) return;
    const now = Date.now();
    const file = now - fileWrittenAt >= STATUS_FILE_INTERVAL_MS;
    if (file) fileWrittenAt = now;
    publishTaskStatus(store, deps.home, record ?? tasks.getTask(ctx.task.id)!, tasks.listRuns(ctx.task.id), itemPaths, tasks.listItems(ctx.task.id), { file });
  };
  const flush = setInterval(() => {
    if (Date.now() - fileWrittenAt >= STATUS_FILE_INTERVAL_MS) publish();
  }, STATUS_FILE_INTERVAL_MS);
  flush.unref();
  try {
    let safe: TaskSafety;
    try {
      // Checkpoints need a git workspace; invariants are pinned now (or were when the task first started).
      ({ safety: safe, task } = await TaskSafety.start({ ctx, store, tasks, log, signal, vars: state.vars }, task));
    } catch (err) {
      if (err instanceof TaskSafetyError) return finish(deps, task.id, "Failed", 1, err.message, publish, { reason: "SafetyCheckFailed", state: task.state });
      throw err;
    }
    // item_isolation's worktrees and branches go when the task ends (unless cleanup: never).
    const isolation = itemIsolationOf(ctx.workflow.item_isolation);
    const cleanupIsolation = async (): Promise<void> => {
      if (!isolation || isolation.cleanup === "never") return;
      const branches = await cleanupItemWorktrees(ctx, isolation);
      store.appendEvent({ type: "item_isolation_cleaned", taskId: task.id, project: ctx.project, message: `item worktrees removed (${branches} branch(es))`, data: { branches } });
    };
    /** A violated invariant's rollback or halt, for the runner to act on. */
    let violation: { halt: boolean; rollback: boolean; message: string } | undefined;
    /** The current cycle ended in a rollback (a violated invariant's). */
    let rolledBack = false;

    let cycle = Math.max(1, task.cycle);
    /** The items passed in are as stored until the first cycle's steps start. */
    let fresh = true;
    // Only this runner makes a task's items (at its start, or by generate_items): a task that has none reads none.
    let hasItems = items.length > 0;
    const storedItems = (): ItemRecord[] => (hasItems ? tasks.listItems(task.id) : []);
    /** Records `cycle_finished`, in the transaction of whatever is written next. */
    let closeCycle: (() => void) | undefined;
    let lastTaskFailures: string[] = [];
    let loopStop: JsonObject | undefined;
    /** The items as the last cycle left them. */
    let endItems: ItemRecord[] = [];
    for (;;) {
      const cycleStartedAt = Date.now();
      // One transaction for writes made back to back: each commit costs more than its statements.
      task = store.writeTransaction(() => {
        closeCycle?.();
        closeCycle = undefined;
        const saved = saveState(tasks, task, state, cycle);
        store.appendEvent({ type: "cycle_started", taskId: task.id, project: ctx.project, message: `cycle ${cycle} started` });
        // Running, and what the cycle before did (the store at once, the file a second in).
        publish(saved);
        return saved;
      });
      let stop: Stop | undefined;
      try {
        // The checkpoint written meanwhile is kept by the next save.
        const before = await safe.beginCycle(cycle, task, (saved) => (task = saved));
        if (before) stop = { kind: "failed", message: before.message };
      } catch (err) {
        if (!(err instanceof TaskSafetyError)) throw err;
        stop = { kind: "failed", message: err.message };
      }
      // A task that never started a cycle has no runs: its first cycle's start writes the cycle before any run.
      const finished = fresh && started.cycle === 0 ? new Map<string, RunRecord>() : finishedRuns(tasks, task);
      // A blocked item waits for `task resume --reset-blocked`. The first cycle this runner starts
      // uses the items read at the start (nothing has written them since); later ones read them again.
      const cycleItems = fresh ? items : storedItems();
      fresh = false;
      const active = cycleItems.filter((i) => !SETTLED.has(i.status) && i.status !== "blocked");
      let steps = stepsForCycle(ctx.plan, cycle);
      const taskScope: ScopeState = { facts: emptyItemFacts(), vars: state.vars };
      const itemScopes = new Map<string, ScopeState>(
        active.map((i) => [i.id, { item: i, facts: emptyItemFacts(i.status), vars: { ...(i.vars as Record<string, string>) }, failedSteps: [] }]),
      );
      const failuresThisCycle: string[] = [];
      /** Items the circuit breaker (max_item_step_failures) blocked this cycle: no finalize rule unblocks them. */
      const tripped = new Set<string>();
      const stagger = new StartStagger();
      /** Set when a task step returns early: the cycle's remaining steps are skipped. */
      let halted: { step: string; status?: string; reason?: string } | undefined;
      rolledBack = false;

      // Blocked items wait for a person (`task resume --reset-blocked`): no further cycle can resolve them.
      const unresolved = (): number => unresolvedCount(storedItems());
      let itemsGenerated = false;
      const deps2 = {
        ctx,
        tasks,
        store,
        stores,
        cycle,
        signal,
        taskStatus: () => tasks.getTask(task.id)?.phase.toLowerCase() ?? "running",
        unresolvedItems: unresolved,
        onItemsGenerated: () => {
          itemsGenerated = true;
          hasItems = true;
        },
        // An item's variables, and (for a name none of them has) the fields its steps printed as JSON this cycle.
        itemCandidates: () => {
          const runs = tasks.listRuns(task.id);
          const stored = new Map(storedItems().map((i) => [i.id, i]));
          return [...itemScopes.values()].map((sc) => ({ item: stored.get(sc.item!.id) ?? sc.item!, vars: { ...itemOutputFields(runs, sc.item!.id, cycle), ...state.vars, ...sc.vars } }));
        },
        log,
        transaction: <T,>(fn: () => T): T => store.writeTransaction(fn),
        event: (type: string, message: string, data: JsonObject): void =>
          store.appendEvent({ type, message, data, taskId: task.id, project: ctx.project, kind: task.resourceKind, name: task.resourceName, ...(typeof data["runId"] === "string" ? { runId: data["runId"] } : {}) }),
      };

      /** Runs a segment's steps for one scope; false when the scope stops early. */
      const runScope = async (segSteps: readonly PlannedStep[], scope: ScopeState, parallel = false): Promise<void> => {
        for (const step of segSteps) {
          // Items side by side start each step staggered (stagger_delay_ms).
          if (parallel && scope.item) await stagger.turn(step.id, staggerOf(step, guards), signal);
          if (signal.aborted || stop?.kind === "failed") return;
          let outcome: StepOutcome;
          try {
            outcome = await runStep(deps2, step, state, scope, finished);
          } catch (err) {
            // Other scopes finish the step they are in, then start nothing more.
            stop ??= { kind: "failed", message: `step ${step.id}${scope.item ? ` [${scope.item.path}]` : ""}: ${messageOf(err)}`, reason: ENGINE_ERROR };
            return;
          }
          if (outcome.interrupted || signal.aborted) {
            stop ??= { kind: "interrupted", message: "interrupted" };
            return;
          }
          absorb(ctx, step, outcome, scope, state, roles);
          if (outcome.notStarted && scope.item) (scope.notStarted ??= []).push(step.id);
          // Invariants checked after this step, and protected files after every step that ran.
          /** Acts on a violation: the cycle ends rolled back, or the task stops. */
          const violated = async (v: { halt: boolean; rollback: boolean; message: string }): Promise<void> => {
            violation = v;
            if (v.rollback) {
              const failed = await safe.rollback(v.message);
              // The cycle ends here; the loop decides whether another one starts from the checkpoint.
              if (!failed && !v.halt) {
                rolledBack = true;
                halted = { step: step.id, reason: `the workspace was rolled back: ${v.message}` };
                return;
              }
              if (failed) v.message = `${v.message}; ${failed}`;
            }
            stop ??= { kind: "failed", message: v.message };
          };
          if (safe.invariants.count && outcome.status !== "skipped" && !outcome.notStarted && !outcome.replayed) {
            const v = await safe.invariants.afterStep(step, `after step ${step.id}${scope.item ? ` [${scope.item.path}]` : ""}`);
            if (v) return violated(v);
          }
          // self_restart rebuilt the orchestrator: the before_restart invariants, then the handover.
          if (outcome.restart) {
            const v = await safe.invariants.at("before_restart", `before the restart of step ${step.id}`);
            if (v) return violated(v);
            stop ??= { kind: "restart", message: `self_restart: continues on the rebuilt orchestrator (${outcome.restart.entry})`, entry: outcome.restart.entry };
            return;
          }
          if (FAILED_RUN.has(outcome.status)) {
            consecutiveFailures++;
            // A task step that could not start fails the task whichever cycle it was in (see notStartedFailures).
            if (!scope.item) {
              if (!outcome.notStarted) failuresThisCycle.push(`${step.id} ${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ""}`);
            } else {
              scope.failedSteps?.push(step.id);
              // A run replayed after a restart was counted when it ran.
              if (!outcome.replayed) scope.item = tasks.updateItem(scope.item.id, { failures: scope.item.failures + 1 });
              if (guards.maxItemStepFailures !== undefined && scope.item.failures >= guards.maxItemStepFailures) {
                scope.item = tasks.updateItem(scope.item.id, { status: "blocked" });
                tripped.add(scope.item.id);
                const message = `item ${scope.item.path} blocked: ${scope.item.failures} step failures (safety.max_item_step_failures ${guards.maxItemStepFailures}); resume with \`task resume --reset-blocked\``;
                store.appendEvent({ type: "item_blocked", taskId: task.id, project: ctx.project, message, data: { item: scope.item.path, failures: scope.item.failures } });
                log(message);
                return;
              }
            }
          } else if (outcome.status === "succeeded") consecutiveFailures = 0;
          if (maxConsecutive !== undefined && consecutiveFailures >= maxConsecutive) {
            stop ??= { kind: "failed", message: `safety: ${consecutiveFailures} consecutive step failures (max_consecutive_failures ${maxConsecutive})` };
            return;
          }
          const action = behaviorAction(step, outcome);
          if (action.setStatus && scope.item) {
            scope.item = tasks.updateItem(scope.item.id, { status: action.setStatus as ItemStatus });
            scope.facts = { ...scope.facts, itemStatus: action.setStatus };
            scope.explicit = { status: action.setStatus, step: step.id };
          }
          if (action.earlyReturn) {
            // A task step returning early ends the cycle's work, as upstream's terminal task segment does.
            if (!scope.item) halted = { step: step.id, ...(action.setStatus ? { status: action.setStatus } : {}) };
            return;
          }
        }
      };

      // Adaptive planning: the planner agent says which steps this cycle runs.
      if (!stop) {
        const adaptive = await adaptiveStepsForCycle({
          workflow: ctx.workflow as unknown as JsonObject,
          workflowName: ctx.workflowName,
          goal: ctx.task.goal,
          cycle,
          staticSteps: steps,
          lastCycle: lastCycleSummary(tasks, task.id, cycle - 1),
          state: task.state,
          runPlanner: async (planner) => {
            const o = await runStep(deps2, planner, state, taskScope, finished);
            return o.status === "succeeded" ? { ok: true, stdout: o.stdout } : { ok: false, reason: o.reason ?? `${o.status} (exit ${o.exitCode})` };
          },
          event: (type, message, data) => store.appendEvent({ type, message, data, taskId: task.id, project: ctx.project }),
        });
        if (adaptive.kind === "planned") {
          steps = adaptive.steps;
          task = tasks.updateTask(task.id, { state: { ...task.state, [ADAPTIVE_PLAN_KEY]: adaptive.record } });
        } else if (adaptive.kind === "failed") stop = { kind: "failed", message: adaptive.reason };
        else if (adaptive.kind === "fallback") log(`cycle ${cycle}: ${adaptive.reason}; running the workflow's own steps`);
      }
      const segments = segmentsOf(steps, ctx.plan.maxParallel);
      for (const [index, segment] of segments.entries()) {
        if (stop || signal.aborted) break;
        if (segment.scope === "task") {
          await runScope(segment.steps, taskScope);
          // Items item_select eliminated, or generate_items replaced, take no further part in the cycle (one read for all of them).
          const stored = itemScopes.size > 0 || itemsGenerated ? storedItems() : [];
          const statusOf = new Map(stored.map((i) => [i.id, i.status]));
          for (const id of [...itemScopes.keys()]) if (SETTLED.has(statusOf.get(id) ?? "")) itemScopes.delete(id);
          // Items a step generated join the cycle's later item segments.
          if (itemsGenerated) {
            itemsGenerated = false;
            for (const i of stored) {
              if (itemScopes.has(i.id) || SETTLED.has(i.status) || i.status === "blocked") continue;
              itemScopes.set(i.id, { item: i, facts: emptyItemFacts(i.status), vars: { ...(i.vars as Record<string, string>) }, failedSteps: [] });
              itemPaths.set(i.id, i.path);
            }
          }
        } else {
          const width = Math.max(1, segment.maxParallel);
          await inParallel([...itemScopes.values()], width, async (scope) => {
            if (stop || signal.aborted) return;
            await runScope(segment.steps, scope, width > 1 && itemScopes.size > 1);
            tasks.updateItem(scope.item!.id, { vars: scope.vars });
          });
        }
        // After a cycle's last segment the next write publishes: the next cycle's start, or the end.
        const last = index === segments.length - 1;
        // With a status to publish, the state and the status in one transaction; else the state alone is one write.
        task =
          !last && hasResource(task)
            ? store.writeTransaction(() => {
                const saved = saveState(tasks, task, state, cycle);
                publish(saved);
                return saved;
              })
            : saveState(tasks, task, state, cycle);
        if (halted) {
          haltCycle(deps2, task.id, halted, segments.slice(index + 1).flatMap((s) => s.steps), segment.steps, itemScopes, finished);
          break;
        }
      }

      if (stop?.kind === "restart") return restartRequested(deps, task.id, stop.entry!, stop.message, publish);
      if (signal.aborted || stop?.kind === "interrupted") return interrupted(deps, task.id, publish, started.claimedBy);

      // Finalize each item that took part in this cycle.
      for (const scope of itemScopes.values()) {
        if (tripped.has(scope.item!.id)) continue;
        const vars = finalizeVariables({
          plan: ctx.plan,
          cycle,
          taskId: task.id,
          taskStatus: "running",
          item: { id: scope.item!.id, qaFilePath: scope.item!.path },
          facts: scope.facts,
          taskVars: state.vars,
          itemVars: scope.vars,
          ownNames: Object.keys(task.spec.vars),
        });
        try {
          const fin = finalizeItemCycle(vars, ctx.plan.finalizeRules, {
            status: scope.facts.itemStatus,
            failedSteps: scope.failedSteps ?? [],
            ...(scope.explicit ? { explicit: scope.explicit } : {}),
          });
          // An item whose step could not start failed: the finalize rules judge work that ran.
          const status = scope.notStarted?.length ? "failed" : fin.status;
          tasks.updateItem(scope.item!.id, { status: status as ItemStatus, vars: scope.vars });
        } catch (err) {
          // The error quotes the rule's whole expression: a bounded, redacted excerpt is kept, as for a step.
          stop ??= { kind: "failed", message: `item ${scope.item!.path}: ${boundedReason((err as Error).message, ctx.secrets)}` };
        }
      }

      // Guard steps decide whether to go on; then convergence expressions.
      let guard: GuardVerdict | undefined;
      for (const g of guardStepsForCycle(ctx.plan, cycle)) {
        if (stop) break;
        let outcome: StepOutcome;
        try {
          outcome = await runStep(deps2, g, state, taskScope, finished);
        } catch (err) {
          stop = { kind: "failed", message: `step ${g.id}: ${messageOf(err)}`, reason: ENGINE_ERROR };
          break;
        }
        if (outcome.interrupted || signal.aborted) return interrupted(deps, task.id, publish, started.claimedBy);
        const verdict = outcome.guard ? { ...outcome.guard, step: g.id } : undefined;
        if (verdict?.stop) guard = verdict;
        else guard ??= verdict;
      }
      const convergence = evaluateConvergence(
        policy.convergence,
        finalizeVariables({ plan: ctx.plan, cycle, taskId: task.id, taskStatus: "running", facts: taskScope.facts, taskVars: state.vars, ownNames: Object.keys(task.spec.vars) }),
      );
      for (const e of convergence.errors) log(`convergence: ${e}`);
      lastTaskFailures = failuresThisCycle;
      const finishedCycle = cycle;
      closeCycle = () => store.appendEvent({ type: "cycle_finished", taskId: task.id, project: ctx.project, message: `cycle ${finishedCycle} finished` });

      if (stop) {
        await cleanupIsolation();
        // A safety limit rolls the workspace back; a fault of the engine's own says nothing about the work.
        let message = stop.message;
        const { reason } = stop;
        if (safety["auto_rollback"] === true && !violation?.rollback && reason !== ENGINE_ERROR) {
          const failed = await safe.rollback(`safety.auto_rollback: ${stop.message}`);
          if (failed) message = `${message}; ${failed}`;
        }
        // The state and the outcome in one write, with the cycle's end.
        return finish(deps, task.id, "Failed", 1, message, publish, { ...(reason ? { reason } : {}), state: stateToSave(task, state), cycle, first: closeCycle });
      }
      // The items as the cycle left them: the loop's decision counts them, and a task that ends here is judged by them.
      const cycleEnd = storedItems();
      const decision = decideNextCycle(policy, {
        cycle,
        unresolvedItems: unresolvedCount(cycleEnd),
        ...(guard ? { guard } : {}),
        ...(convergence.convergedBy ? { convergedBy: convergence.convergedBy } : {}),
        ...(convergence.convergedWhen ? { convergedWhen: convergence.convergedWhen } : {}),
      });
      log(`cycle ${cycle} done: ${decision.continue ? "next cycle" : "stop"} (${decision.reason})`);
      if (!decision.continue) {
        loopStop = loopStopRecord(decision, cycle);
        endItems = cycleEnd;
        break;
      }
      // The rapid-cycle guard: back off after a cycle quicker than min_cycle_interval_secs; pause a task that keeps doing it.
      const rapid = rapidCycle(guards, Date.now() - cycleStartedAt, rapidCycles);
      rapidCycles = rapid.rapid;
      if (rapid.pause) {
        const message = `safety: ${rapid.rapid} cycles in a row ended sooner than min_cycle_interval_secs (${guards.minCycleIntervalSecs} s) after they started; paused as a runaway loop: continue it with \`orchestrator task resume\``;
        deps.beforeOutcome?.(task.id);
        return store.writeTransaction(() => {
          closeCycle?.();
          const paused = tasks.updateTask(task.id, { state: stateToSave(task, state), cycle: cycle + 1, phase: "Paused", queued: false, claimedBy: null, message });
          deps.log?.(`[${task.id}] paused: ${message}`);
          publish(paused);
          return paused;
        });
      }
      if (rapid.waitMs > 0) {
        log(`cycle ${cycle} ended in ${Date.now() - cycleStartedAt} ms, under min_cycle_interval_secs (${guards.minCycleIntervalSecs} s): waiting ${rapid.waitMs} ms before cycle ${cycle + 1}`);
        if (!(await sleep(rapid.waitMs, signal))) return interrupted(deps, task.id, publish, started.claimedBy);
      }
      cycle++;
    }

    const badItems = endItems.filter((i) => BAD.has(i.status));
    const notStarted = notStartedFailures(tasks, task, itemPaths);
    // Invariants before the task completes; a rollback in the last cycle fails it too.
    const beforeComplete = await safe.invariants.at("before_complete", "before the task completes");
    const invariantFailures: string[] = [];
    if (beforeComplete) {
      if (beforeComplete.rollback) {
        const failed = await safe.rollback(beforeComplete.message);
        invariantFailures.push(failed ? `${beforeComplete.message}; ${failed}` : `${beforeComplete.message} (the workspace was rolled back)`);
      } else invariantFailures.push(beforeComplete.message);
    } else if (violation?.rollback && rolledBack) invariantFailures.push(`${violation.message} (the workspace was rolled back)`);
    await cleanupIsolation();
    const failures = [...invariantFailures, ...notStarted, ...lastTaskFailures, ...(badItems.length ? [`${badItems.length} item(s) ${[...new Set(badItems.map((i) => i.status))].join("/")}`] : [])];
    // A one-cycle workflow needs no word on why it stopped.
    const loopNote = loopStop && loopStop["stoppedBy"] !== "once" ? `; loop stopped by ${String(loopStop["stoppedBy"])} (${String(loopStop["reason"])})` : "";
    // The state and the outcome in one write, with the cycle's end.
    const end: Outcome = { state: stateToSave(task, state, loopStop ? { [LOOP_STOP_KEY]: loopStop } : {}), cycle, first: closeCycle };
    return failures.length > 0
      ? finish(deps, task.id, "Failed", 1, `failed: ${failures.join("; ")}`, publish, notStarted.length ? { ...end, reason: "StepNotStarted" } : end)
      : finish(deps, task.id, "Completed", 0, `completed after ${cycle} cycle(s)${loopNote}`, publish, end);
  } finally {
    clearInterval(flush);
  }
}

/** How the steps of a cycle ended, for the adaptive planner: `step [item]: status`. */
function lastCycleSummary(tasks: TaskStore, taskId: string, cycle: number): string[] {
  if (cycle < 1) return [];
  const paths = new Map(tasks.listItems(taskId).map((i) => [i.id, i.path]));
  return tasks
    .listRuns(taskId)
    .filter((r) => r.cycle === cycle && r.stepId !== "adaptive_plan")
    .map((r) => `${r.stepId}${r.itemId ? ` [${paths.get(r.itemId) ?? r.itemId}]` : ""}: ${r.status}${r.exitCode !== null && r.exitCode !== 0 ? ` (exit ${r.exitCode})` : ""}`);
}

/** Folds a step's outcome into its scope: facts, captured variables, outputs. */
function absorb(ctx: TaskContext, step: PlannedStep, outcome: StepOutcome, scope: ScopeState, state: TaskState, roles: StepRoles): void {
  if (outcome.status === "skipped") {
    scope.facts = recordStepSkipped(scope.facts, step.id);
    return;
  }
  // Only collected artifacts count (behavior.collect_artifacts; on by default for qa, qa_testing and retest).
  const output = step.spec.behavior?.collect_artifacts === true ? outcome.output : { ...outcome.output, artifacts: [] };
  scope.facts = recordStepRun(scope.facts, step.id, roles, { exitCode: outcome.exitCode, captures: outcome.captures, output });
  Object.assign(scope.vars, outcome.captures.vars);
  state.stepOutputs[step.id] = outcome.stdout.slice(-16384);
  state.prevStdout = outcome.stdout;
  state.prevStderr = outcome.stderr;
  if (step.type === "plan" || step.id === "plan") {
    const path = join(ctx.logDir, `${step.id}_output.md`);
    mkdirSync(ctx.logDir, { recursive: true });
    writeFileSync(path, outcome.stdout);
    state.planOutputPath = path;
  }
}

function behaviorAction(step: PlannedStep, outcome: StepOutcome): { earlyReturn: boolean; setStatus?: string } {
  const b = step.spec.behavior;
  const failed = FAILED_RUN.has(outcome.status);
  const rule = failed ? b?.on_failure : outcome.status === "succeeded" ? b?.on_success : undefined;
  if (!rule) return { earlyReturn: false };
  const r: { earlyReturn: boolean; setStatus?: string } = { earlyReturn: rule.action === "early_return" };
  if (rule.action === "set_status" && rule.status) r.setStatus = rule.status;
  if (rule.action === "early_return" && rule.status) r.setStatus = rule.status;
  return r;
}

/**
 * After a task step returned early: every item of the cycle takes the status
 * it gave (as a status set by a step), and the cycle's remaining steps are
 * recorded as skipped for each scope they would have run in.
 */
function haltCycle(
  deps: { ctx: TaskContext; tasks: TaskStore; cycle: number; log: (l: string) => void },
  taskId: string,
  halted: { step: string; status?: string; reason?: string },
  rest: readonly PlannedStep[],
  current: readonly PlannedStep[],
  itemScopes: ReadonlyMap<string, ScopeState>,
  finished: ReadonlyMap<string, RunRecord>,
): void {
  const { tasks, cycle } = deps;
  const reason = halted.reason ?? `task step '${halted.step}' returned early`;
  const after = current.slice(current.findIndex((s) => s.id === halted.step) + 1);
  const skip = (step: PlannedStep, itemId: string | null): void => {
    if (finished.has(executionKey(cycle, step.id, itemId))) return;
    tasks.createRun({ taskId, itemId, stepId: step.id, cycle, agent: null, command: null, logPath: null, status: "skipped", reason });
  };
  for (const step of [...after, ...rest]) {
    if (step.scope === "task") skip(step, null);
    else {
      for (const [id, scope] of itemScopes) {
        skip(step, id);
        scope.facts = recordStepSkipped(scope.facts, step.id);
      }
    }
  }
  for (const scope of itemScopes.values()) {
    if (!halted.status) continue;
    scope.item = tasks.updateItem(scope.item!.id, { status: halted.status as ItemStatus });
    scope.facts = { ...scope.facts, itemStatus: halted.status };
    scope.explicit = { status: halted.status, step: halted.step };
  }
  deps.log(`cycle ${cycle}: ${halted.reason ?? `task step ${halted.step} returned early`}; the cycle's remaining steps are skipped`);
}

/**
 * Runs fn over items with at most `limit` at once. A failure stops new
 * items from starting; the ones running are waited for (their steps' ends
 * are recorded) before it is thrown.
 */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        await fn(items[i]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The task fails with the error that stopped it; runs it left open are closed with the same reason. */
function failOnError(deps: TaskRunnerDeps, taskId: string, err: unknown): TaskRecord {
  const message = `failed: ${messageOf(err)}`;
  for (const run of deps.tasks.listUnfinishedRuns(taskId)) {
    deps.tasks.finishRun(run.id, { status: "failed", exitCode: null, reason: message });
  }
  return finish(deps, taskId, "Failed", 1, message, undefined, { reason: ENGINE_ERROR, state: deps.tasks.getTask(taskId)?.state ?? {} });
}

/**
 * A task resumed after its self_restart: records whether this process runs
 * the rebuilt CLI the restart was for (`self_restart_verified`), then
 * forgets the request.
 */
function verifyRestart(deps: TaskRunnerDeps, task: TaskRecord): TaskRecord {
  const req = task.state[SELF_RESTART_KEY];
  if (!req || typeof req !== "object" || Array.isArray(req)) return task;
  const entry = String(req["entry"]);
  // The script this process was started from (a controller's entry), else the CLI this module belongs to.
  const running = process.argv[1] ?? orchestratorCli();
  const verified = sameEntry(entry, running);
  deps.store.appendEvent({
    type: "self_restart_verified",
    taskId: task.id,
    project: task.project,
    message: verified ? `resumed after self_restart on the rebuilt orchestrator (${entry}, pid ${process.pid})` : `resumed after self_restart on ${running}, not on the rebuilt ${entry}`,
    data: { verified, expected: entry, running, pid: process.pid, requestedBy: req["requestedBy"] ?? null },
  });
  const { [SELF_RESTART_KEY]: _done, ...state } = task.state;
  return deps.tasks.updateTask(task.id, { state });
}

/**
 * self_restart: the task goes back on the queue (its restart recorded, to be
 * verified by the process that resumes it) and whoever runs it is told; a
 * process with no restart to do (`run`, `watch`) leaves it for a controller.
 */
function restartRequested(deps: TaskRunnerDeps, taskId: string, entry: string, message: string, publish: () => void): TaskRecord {
  deps.beforeOutcome?.(taskId);
  const t = deps.tasks.getTask(taskId)!;
  const state = { ...t.state, [SELF_RESTART_KEY]: { entry, requestedAt: new Date().toISOString(), requestedBy: process.pid } };
  const requeued = deps.tasks.updateTask(taskId, { phase: "Pending", queued: true, claimedBy: null, message: `requeued: ${message}`, state });
  publish();
  deps.log?.(`[${taskId}] ${message}`);
  deps.onSelfRestart?.({ taskId, entry });
  return requeued;
}

/**
 * Paused or cancelled by a person, or stopped with the controller (then queued again).
 * `claim`: the runner's own claim on the task.
 */
function interrupted(deps: TaskRunnerDeps, taskId: string, publish: () => void, claim: string | null): TaskRecord {
  deps.beforeOutcome?.(taskId);
  const t = deps.tasks.getTask(taskId)!;
  if (t.phase === "Paused" || t.phase === "Cancelled") {
    // Whoever paused or cancelled it wrote the phase; the runner's last word is letting go of the task, after its
    // logs are copied: `task logs -f` on another host follows until then. Unless it was resumed meanwhile (the claim is gone).
    const released = claim !== null && deps.tasks.releaseClaim(taskId, claim) ? { ...t, claimedBy: null } : t;
    publish();
    return released;
  }
  const requeued = resumesOnItsOwn(deps.store, t.project)
    ? deps.tasks.updateTask(taskId, { phase: "Pending", queued: true, claimedBy: null, message: "requeued: the controller stopped while the task ran" })
    : deps.tasks.updateTask(taskId, { phase: "Paused", queued: false, claimedBy: null, message: heldMessage("the controller stopped while the task ran") });
  publish();
  return requeued;
}

/** How a task ends, beyond its phase, exit code and message. */
interface Outcome {
  /** A CamelCase reason for the resource's conditions (`NoItems`, `StepNotStarted`, `EngineError`), kept in the task's state. */
  reason?: string;
  /** The task's state as the runner holds it; read from the store when not given. */
  state?: JsonObject;
  /** The cycle to record with the outcome. */
  cycle?: number;
  /** Written first, in the transaction that writes the outcome (the cycle's end event). */
  first?: (() => void) | undefined;
}

/** Ends the task: its outcome (with `outcome.state` and `outcome.cycle`) in one write. */
function finish(deps: TaskRunnerDeps, taskId: string, phase: TaskPhase, exitCode: number, message: string, publish?: (record?: TaskRecord) => void, outcome: Outcome = {}): TaskRecord {
  // A reason left from an earlier end (a task resumed after failing) goes when the task ends without one.
  const before = outcome.state ?? deps.tasks.getTask(taskId)?.state ?? {};
  const { [OUTCOME_REASON_KEY]: _earlier, ...rest } = before;
  const state = outcome.reason !== undefined ? { ...rest, [OUTCOME_REASON_KEY]: outcome.reason } : rest;
  // Before the transaction: the logs are copied while no lock is held.
  deps.beforeOutcome?.(taskId);
  const write = (): TaskRecord => {
    outcome.first?.();
    const t = deps.tasks.updateTask(taskId, { phase, exitCode, message, claimedBy: null, queued: false, state, ...(outcome.cycle !== undefined ? { cycle: outcome.cycle } : {}) });
    if (publish) publish(t);
    else if (hasResource(t)) publishTaskStatus(deps.store, deps.home, t, deps.tasks.listRuns(taskId), new Map());
    return t;
  };
  const t = outcome.first ? deps.store.writeTransaction(write) : write();
  deps.log?.(`[${taskId}] ${phase.toLowerCase()}: ${message}`);
  return t;
}

/** The task executes a Task or Run resource, whose status the runner publishes. */
function hasResource(task: Pick<TaskRecord, "resourceKind" | "resourceName">): boolean {
  return Boolean(task.resourceKind && task.resourceName);
}
