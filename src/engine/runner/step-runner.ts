/**
 * @module Running one step for one scope (the task, or one item): the
 * prehook gate, then the step's mode — agent, command, builtin or chain —
 * through a real process, then output parsing, captures and post-actions.
 * Every execution leaves a RunResult record; a skipped step records why.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { JsonObject } from "../../resources/types.js";
import type { NewEvent } from "../../store/store.js";
import type { Store } from "../../store/store.js";
import type { ItemRecord, RunRecord, RunStatus, TaskStore } from "../../store/task-store.js";
import type { StepBoundary } from "../../sandbox/boundary.js";
import { applyCaptures, type CaptureOutcome } from "../captures/captures.js";
import { parseAgentOutput, type AgentOutput } from "../output/agent-output.js";
import { parseGuardOutput } from "../output/guard-output.js";
import { builtinLoopGuard, type GuardVerdict } from "../plan/loop.js";
import type { PlannedStep } from "../plan/types.js";
import { prehookVariables } from "../prehook/context.js";
import { evaluatePrehook } from "../prehook/evaluate.js";
import type { ItemFacts } from "../prehook/facts.js";
import { runHostedProcess } from "../process/process-host.js";
import { DEFAULT_LOG_MAX_BYTES, type ProcessResult } from "../process/run-process.js";
import { DEFAULT_PROMPT_DELIVERY, isPromptDelivery, preparePromptDelivery } from "../process/prompt-delivery.js";
import { placeholderNames } from "../prompt/placeholder.js";
import { renderAgentCommand, renderStepPrompt } from "../prompt/step-prompt.js";
import { pipelineVariables, type PromptContext } from "../prompt/variables.js";
import { candidateFromAgent, lifecycleLookup } from "../selection/candidates.js";
import { historyLookup } from "../selection/history.js";
import { selectAgent } from "../selection/select.js";
import { parseStrategy } from "../selection/strategies.js";
import { resolveAgentEnv } from "./agent-env.js";
import { UNIMPLEMENTED_BUILTINS } from "./builtin-names.js";
import { chooseAgentCommand, type CommandChoice } from "./command-rules.js";
import { workspaceDiff } from "./git-diff.js";
import { ItemSelectError, parseItemSelectConfig, selectItem } from "./item-select.js";
import { runnerOptions } from "./runtime-policy.js";
import { boundaryRecord, denialEvents, openStepBoundary, stepProfile, StepProfileError, unsupportedEvent, type StepProfile } from "./step-boundary.js";
import { runPostActions, type PostActionOutcome } from "./post-actions.js";
import { applyWinner, ensureItemWorktree, isolationRecord, itemIsolationOf, ItemIsolationError, ITEM_WORKTREE_VAR } from "./item-isolation.js";
import { readStoreInputs } from "./store-inputs.js";
import { orchestratorCli, phasesCommand, selfTestPlan } from "./self-test.js";
import { selfRestartPlan } from "./self-restart.js";
import { snapshotDir, takeBinarySnapshot } from "./binary-snapshot.js";
import type { WorkflowStores } from "../stores/workflow-stores.js";
import type { TaskContext } from "./task-context.js";
import { openTickets } from "./tickets.js";
import { boundedReason } from "./failure-reason.js";

/**
 * Step timeout when neither the step nor `safety.step_timeout_secs` sets one.
 * Workflow defaults set `safety.step_timeout_secs` (1800), so this applies
 * only to a plan built without defaults.
 */
export const DEFAULT_STEP_TIMEOUT_SECS = 3600;

/** What a step's scope holds while a cycle runs. */
export interface ScopeState {
  item?: ItemRecord;
  facts: ItemFacts;
  /** Captured variables of this scope (task vars for the task, item vars for an item). */
  vars: Record<string, string>;
  /** A status a step's behavior set this cycle, and the step that set it. */
  explicit?: { status: string; step: string };
  /** Steps of this scope that failed or timed out this cycle. */
  failedSteps?: string[];
  /** Steps of this scope that could not start this cycle, with why. */
  notStarted?: string[];
}

/** What the whole task holds across steps and cycles. */
export interface TaskState {
  /** `--set` vars, Task `vars`, then task-scope captures. */
  vars: Record<string, string>;
  /** stdout tail of each step's latest run, by step id. */
  stepOutputs: Record<string, string>;
  prevStdout: string;
  prevStderr: string;
  /** Path of the latest plan step's output file. */
  planOutputPath?: string;
}

export interface StepOutcome {
  status: RunStatus;
  exitCode: number;
  stdout: string;
  stderr: string;
  output: AgentOutput;
  captures: CaptureOutcome;
  /** A guard step's verdict. */
  guard?: GuardVerdict;
  reason?: string;
  runId?: string;
  /** The task was paused or cancelled while the step ran. */
  interrupted?: boolean;
  /** `self_restart` rebuilt and checked the orchestrator: the task continues on a controller running `entry`. */
  restart?: { entry: string };
  /** Read back from a run that finished before a restart, not run now. */
  replayed?: boolean;
  /**
   * The step could not start (no agent has the capability, a template,
   * profile or store is missing, its prehook could not be evaluated, its
   * builtin is not supported): nothing ran, and its item and task fail.
   */
  notStarted?: boolean;
}

export interface StepRunDeps {
  ctx: TaskContext;
  tasks: TaskStore;
  store: Store;
  /** Workflow stores, for store_inputs, store_outputs, store_put and item_select's store_result. */
  stores: WorkflowStores;
  /** Told when a post-action generated items, so the runner takes them into the cycle. */
  onItemsGenerated?: () => void;
  cycle: number;
  taskStatus: () => string;
  /** Items not yet resolved, for the builtin loop guard. */
  unresolvedItems: () => number;
  /** The items of this cycle with the variables they captured, for the `item_select` builtin. */
  itemCandidates?: () => ReadonlyArray<{ item: ItemRecord; vars: Readonly<Record<string, string>> }>;
  signal: AbortSignal;
  /** Secret values to keep out of logs. */
  log?: (line: string) => void;
  /** Runs fn in one write transaction of the store (agent selection and the run that takes the agent). */
  transaction?: <T>(fn: () => T) => T;
  /** Records an event about the task (a capture that found nothing, a sandbox denial). */
  event?: (type: string, message: string, data: JsonObject) => void;
}

const EMPTY_CAPTURES: CaptureOutcome = { vars: {}, flags: {}, problems: [] };

function outcomeOf(status: RunStatus, exitCode: number, reason?: string): StepOutcome {
  const o: StepOutcome = { status, exitCode, stdout: "", stderr: "", output: { artifacts: [] }, captures: EMPTY_CAPTURES };
  if (reason) o.reason = reason;
  return o;
}

function timeoutSecsOf(step: PlannedStep, ctx: TaskContext): number {
  const safety = ctx.workflow.safety ?? {};
  const fromSafety = typeof safety["step_timeout_secs"] === "number" ? safety["step_timeout_secs"] : undefined;
  return step.timeoutSecs ?? fromSafety ?? DEFAULT_STEP_TIMEOUT_SECS;
}

/** Where a step's stall limit comes from, for the reason a stalled run records. */
interface StallLimit {
  secs: number;
  field: "stall_timeout_secs" | "safety.stall_timeout_secs";
}

/** The step's own `stall_timeout_secs`, else the workflow's `safety.stall_timeout_secs`, else none. */
function stallLimitOf(step: PlannedStep, ctx: TaskContext): StallLimit | undefined {
  const own = step.spec.stall_timeout_secs;
  if (typeof own === "number" && own > 0) return { secs: own, field: "stall_timeout_secs" };
  const fromSafety = ctx.workflow.safety?.["stall_timeout_secs"];
  return typeof fromSafety === "number" && fromSafety > 0 ? { secs: fromSafety, field: "safety.stall_timeout_secs" } : undefined;
}

/** The step's own log cap, else the workflow's `safety.step_log_max_bytes`, else 100 MiB. */
function logMaxBytesOf(step: PlannedStep, ctx: TaskContext): number {
  const own = step.spec.log_max_bytes;
  const fromSafety = ctx.workflow.safety?.["step_log_max_bytes"];
  if (typeof own === "number") return own;
  return typeof fromSafety === "number" ? fromSafety : DEFAULT_LOG_MAX_BYTES;
}

/** `{diff}` costs a git call: it is computed only for text that asks for `{diff}` or `{diff_path}`. */
function wantsDiff(...texts: ReadonlyArray<string | undefined>): boolean {
  return texts.some((t) => t !== undefined && placeholderNames(t).some((n) => n === "diff" || n === "diff_path"));
}

function promptContext(deps: StepRunDeps, task: TaskState, scope: ScopeState, stepVars?: Record<string, string>): PromptContext {
  const { ctx } = deps;
  const c: PromptContext = {
    taskId: ctx.task.id,
    goal: ctx.task.goal,
    cycle: deps.cycle,
    workspace: ctx.workspace.name,
    project: ctx.project,
    workflow: ctx.workflowName,
    workspaceRoot: (scope.item && scope.vars[ITEM_WORKTREE_VAR]) || ctx.workspace.root,
    ticketDir: ctx.workspace.ticketDirRel,
    prevStdout: task.prevStdout,
    prevStderr: task.prevStderr,
    stepOutputs: task.stepOutputs,
    setVars: task.vars,
    pipelineVars: scope.vars,
    ownNames: Object.keys(ctx.task.spec.vars),
  };
  if (task.planOutputPath) c.planOutputPath = task.planOutputPath;
  if (stepVars) c.stepVars = stepVars;
  if (scope.item) {
    c.item = {
      id: scope.item.id,
      relPath: scope.item.path,
      ticketPaths: openTickets(ctx.workspace.ticketDir, scope.item.path).map((t) => t.path),
      ...(scope.item.label !== undefined ? { label: scope.item.label } : {}),
    };
  }
  return c;
}

interface Prepared {
  command: string;
  env: Record<string, string>;
  stdin?: string;
  agent: string | null;
  /** The capability the agent was chosen for. */
  capability: string | null;
  secrets: string[];
  notes: string[];
  /** The agent's `command_rules` entry that gave the command. */
  commandRule?: number;
}

/** Resolves what process to run for an agent or command step. */
async function prepare(deps: StepRunDeps, step: PlannedStep, task: TaskState, scope: ScopeState, runId: string, logPath: string): Promise<Prepared> {
  const { ctx } = deps;
  const stepVars = step.spec.step_vars;
  const pctx = promptContext(deps, task, scope, stepVars);
  const templateText = step.template ? ctx.templates.get(step.template)?.spec["prompt"] : step.prompt;
  if (step.template && templateText === undefined) throw new StepSetupError(`step template '${step.template}' not found in project '${ctx.project}'`);

  if (step.mode === "command" || (step.mode === "builtin" && step.command)) {
    const text = step.command ?? "";
    // A command without placeholders runs as written: nothing to render.
    if (placeholderNames(text).length === 0) return { command: text, env: {}, agent: null, capability: null, secrets: [], notes: [] };
    const template = typeof templateText === "string" ? templateText : undefined;
    if (wantsDiff(text, template)) pctx.diff = await workspaceDiff(ctx.workspace.root);
    const rendered = renderStepPrompt({ context: pctx, spillDir: ctx.spillDir, alsoRendered: [text], ...(template !== undefined ? { template } : {}) });
    const cmd = renderAgentCommand(text, rendered.vars, { prompt: rendered.prompt });
    return { command: cmd.command, env: cmd.env, agent: null, capability: null, secrets: [], notes: [] };
  }

  // Agent step: choose the agent, render the prompt, deliver it, build the command.
  const capability = step.capability ?? step.type;
  const profile = step.spec.execution_profile;
  if (profile !== undefined && !ctx.profiles.has(profile)) throw new StepSetupError(`execution profile '${profile}' not found in project '${ctx.project}'`);
  // A step pinned to one agent (the adaptive planner) chooses among that agent only.
  const pool = step.agent === undefined ? ctx.agents : ctx.agents.filter((a) => a.metadata.name === step.agent);
  if (step.agent !== undefined && pool.length === 0) throw new StepSetupError(`agent '${step.agent}' not found`);
  const strategy = step.spec.cost_preference ? costPreferenceStrategy(step.spec.cost_preference) : undefined;
  // Chosen and recorded on the run in one write transaction: a step starting at the same
  // moment (another item, another worker or process) counts this run in the agent's load.
  const selection = (deps.transaction ?? ((fn) => fn()))(() => {
    // Read in the transaction: an agent cordoned or drained a moment ago gets no new step.
    const lifecycle = lifecycleLookup(deps.tasks.listAgentStates());
    const candidates = pool.map((a) => candidateFromAgent(a, lifecycle(a), ctx.workspace.healthPolicy));
    const chosen = selectAgent({ capability, project: ctx.project, agents: candidates, history: historyLookup(deps.tasks.agentStats()), ...(strategy ? { strategy } : {}) });
    deps.tasks.setRunDetails(runId, { agent: chosen.agent.name, capability, command: `agent:${chosen.agent.name}`, logPath });
    return chosen;
  });
  const agent = ctx.agents.find((a) => a.metadata.name === selection.agent.name && (a.metadata.project ?? "default") === selection.agent.project)!;
  let chosen: CommandChoice;
  try {
    chosen = chooseAgentCommand(agent, { ...task.vars, ...scope.vars, ...(stepVars ?? {}) });
  } catch (err) {
    throw new StepSetupError((err as Error).message);
  }
  const agentCommand = chosen.command;
  const template = typeof templateText === "string" ? templateText : undefined;
  if (wantsDiff(template, agentCommand)) pctx.diff = await workspaceDiff(ctx.workspace.root);
  const rendered = renderStepPrompt({ context: pctx, spillDir: ctx.spillDir, alsoRendered: [agentCommand], ...(template !== undefined ? { template } : {}) });
  const mode = isPromptDelivery(agent.spec["promptDelivery"]) ? agent.spec["promptDelivery"] : DEFAULT_PROMPT_DELIVERY;
  const delivery = await preparePromptDelivery({ mode, prompt: rendered.prompt, commandTemplate: agentCommand, promptDir: ctx.logDir, runId });
  const cmd = renderAgentCommand(agentCommand, rendered.vars, delivery.placeholders);
  const agentEnv = resolveAgentEnv(agent, ctx.envStores, undefined, { env: process.env, baseDir: ctx.home.root });
  const notes = [`agent ${agent.metadata.name} (strategy ${selection.ranking[0]?.strategy ?? "?"}, pool ${selection.poolProject})`, ...delivery.warnings];
  if (chosen.rule !== undefined) notes.push(`agent ${agent.metadata.name}: command_rules[${chosen.rule}] matched; running its command`);
  if (rendered.unresolved.length) notes.push(`prompt placeholders without a value: ${rendered.unresolved.map((u) => `{${u}}`).join(", ")}`);
  const p: Prepared = { command: cmd.command, env: { ...agentEnv.env, ...cmd.env, ...delivery.env }, agent: agent.metadata.name, capability, secrets: agentEnv.secrets, notes };
  if (chosen.rule !== undefined) p.commandRule = chosen.rule;
  if (delivery.stdin !== undefined) p.stdin = delivery.stdin;
  return p;
}

function costPreferenceStrategy(pref: string): ReturnType<typeof parseStrategy> | undefined {
  if (pref === "performance") return parseStrategy("PerformanceFirst");
  if (pref === "quality") return parseStrategy("SuccessRateWeighted");
  if (pref === "balance") return parseStrategy("CapabilityAware");
  return undefined;
}

export class StepSetupError extends Error {
  override name = "StepSetupError";
}

function note(logPath: string, line: string): void {
  try {
    mkdirSync(dirname(logPath), { recursive: true });
    appendFileSync(logPath, `[orchestrator] ${line}\n`);
  } catch {
    // The log is best effort here; the run record holds the facts.
  }
}

/**
 * Runs a step (or records that its prehook skipped it). `key` identifies
 * the execution for resume: a step already finished in this cycle for this
 * scope is not run again; its recorded outcome is returned instead.
 */
export async function runStep(deps: StepRunDeps, step: PlannedStep, task: TaskState, scope: ScopeState, finished: ReadonlyMap<string, RunRecord>): Promise<StepOutcome> {
  const { ctx, tasks, cycle } = deps;
  const itemId = scope.item?.id ?? null;
  const done = finished.get(executionKey(cycle, step.id, itemId));
  if (done) return outcomeFromRecord(done);

  // Prehook: a false `when` skips the step and records why.
  if (step.prehook) {
    const vars = prehookVariables({
      plan: ctx.plan,
      cycle,
      step: step.id,
      taskId: ctx.task.id,
      taskStatus: deps.taskStatus(),
      facts: scope.facts,
      taskVars: task.vars,
      // The step's own step_vars win over the item's and the task's variables, as in its prompt.
      itemVars: { ...scope.vars, ...(step.spec.step_vars ?? {}) },
      ownNames: Object.keys(ctx.task.spec.vars),
      ...(scope.item ? { item: { id: scope.item.id, qaFilePath: scope.item.path } } : {}),
    });
    let decision;
    try {
      decision = evaluatePrehook(step.prehook.when, vars, { step: step.id, ...(step.prehook.reason ? { reason: step.prehook.reason } : {}) });
    } catch (err) {
      const reason = `could not start: ${boundedReason((err as Error).message, ctx.secrets)}`;
      const run = tasks.createRun({ ...runOf(deps, step, itemId), agent: null, command: null, logPath: null });
      tasks.finishRun(run.id, { status: "failed", exitCode: 1, reason, output: NOT_STARTED });
      deps.log?.(`step ${step.id}${scope.item ? ` [${scope.item.path}]` : ""} ${reason}`);
      return { ...outcomeOf("failed", 1, reason), runId: run.id, notStarted: true };
    }
    if (!decision.run) {
      const reason = decision.reason ?? "prehook returned false";
      const run = tasks.createRun({ ...runOf(deps, step, itemId), agent: null, command: null, logPath: null, status: "skipped", reason });
      deps.log?.(`step ${step.id}${scope.item ? ` [${scope.item.path}]` : ""} skipped: ${reason}`);
      return { ...outcomeOf("skipped", 0, reason), runId: run.id };
    }
  }

  // item_isolation: an item's steps run in its own git worktree, made before its first step.
  const isolation = scope.item ? itemIsolationOf(ctx.workflow.item_isolation) : undefined;
  if (isolation && scope.item) {
    try {
      const wt = await ensureItemWorktree(ctx, isolation, scope.item.id, scope.vars);
      if (wt.created) deps.event?.("item_isolation_prepared", `item ${scope.item.path}: worktree on ${wt.branch}`, { item: scope.item.path, ...isolationRecord(wt.path, wt.branch) });
    } catch (err) {
      if (!(err instanceof ItemIsolationError)) throw err;
      const reason = `could not start: ${err.message}`;
      const run = tasks.createRun({ ...runOf(deps, step, itemId), agent: null, command: null, logPath: null });
      tasks.finishRun(run.id, { status: "failed", exitCode: 1, reason, output: NOT_STARTED });
      deps.log?.(`step ${step.id} [${scope.item.path}] ${reason}`);
      return { ...outcomeOf("failed", 1, reason), runId: run.id, notStarted: true };
    }
  }

  // store_inputs: read before the step, into the scope's variables; a required key that is absent stops it.
  if (step.spec.store_inputs?.length) {
    const problem = await readStoreInputs(deps.stores, ctx.project, step.spec.store_inputs, scope.vars);
    if (problem) {
      const reason = `could not start: ${problem}`;
      const run = tasks.createRun({ ...runOf(deps, step, itemId), agent: null, command: null, logPath: null });
      tasks.finishRun(run.id, { status: "failed", exitCode: 1, reason, output: NOT_STARTED });
      deps.log?.(`step ${step.id}${scope.item ? ` [${scope.item.path}]` : ""} ${reason}`);
      return { ...outcomeOf("failed", 1, reason), runId: run.id, notStarted: true };
    }
  }

  if (step.mode === "chain") return runChain(deps, step, task, scope, finished);
  if (step.mode === "builtin" && step.builtin === "self_test" && !step.command) return runSelfTest(deps, step, task, scope);
  if (step.mode === "builtin" && step.builtin === "self_restart" && !step.command) return runSelfRestart(deps, step, task, scope);
  if (step.mode === "builtin" && !step.command) return runBuiltin(deps, step, task, scope);
  return runProcessStep(deps, step, task, scope);
}

/** `self_test`: the workspace's build, tests and manifest validation, run as one command step (logs, timeout, captures). */
async function runSelfTest(deps: StepRunDeps, step: PlannedStep, task: TaskState, scope: ScopeState): Promise<StepOutcome> {
  const plan = selfTestPlan(deps.ctx.workspace.root, orchestratorCli());
  if ("problem" in plan) {
    const reason = `could not start: ${plan.problem}`;
    const run = deps.tasks.createRun({ ...runOf(deps, step, scope.item?.id ?? null), agent: null, command: "builtin:self_test", logPath: null });
    deps.tasks.finishRun(run.id, { status: "failed", exitCode: 1, reason, output: { builtin: "self_test", ...NOT_STARTED } });
    deps.log?.(`step ${step.id} ${reason}`);
    return { ...outcomeOf("failed", 1, reason), runId: run.id, notStarted: true };
  }
  return runProcessStep(deps, { ...step, mode: "command", command: phasesCommand("self_test", plan.phases) }, task, scope);
}

/**
 * `self_restart`: rebuild and check the orchestrator checkout as one command
 * step, then keep the new build as the stable one and ask for the restart.
 */
async function runSelfRestart(deps: StepRunDeps, step: PlannedStep, task: TaskState, scope: ScopeState): Promise<StepOutcome> {
  const { ctx } = deps;
  const plan = selfRestartPlan(ctx.workspace.root);
  if ("problem" in plan) {
    const reason = `could not start: ${plan.problem}`;
    const run = deps.tasks.createRun({ ...runOf(deps, step, scope.item?.id ?? null), agent: null, command: "builtin:self_restart", logPath: null });
    deps.tasks.finishRun(run.id, { status: "failed", exitCode: 1, reason, output: { builtin: "self_restart", ...NOT_STARTED } });
    deps.log?.(`step ${step.id} ${reason}`);
    return { ...outcomeOf("failed", 1, reason), runId: run.id, notStarted: true };
  }
  const outcome = await runProcessStep(deps, { ...step, mode: "command", command: phasesCommand("self_restart", plan.phases) }, task, scope);
  if (outcome.status !== "succeeded" || outcome.interrupted) return outcome;
  const runId = outcome.runId ?? null;
  try {
    const m = takeBinarySnapshot(ctx.workspace.root, snapshotDir(ctx.home.dir, ctx.workspace.name), ctx.task.id, deps.cycle);
    if (m) deps.event?.("binary_snapshot_taken", `self_restart: ${m.source} (${m.files} files) kept as the stable build`, { cycle: deps.cycle, source: m.source, files: m.files, sha256: m.sha256, ...(runId ? { runId } : {}) });
    deps.event?.("self_restart_ready", `self_restart: the orchestrator in ${ctx.workspace.root} was rebuilt and answers; restarting onto ${plan.entry}`, { entry: plan.entry, sha256: m?.sha256 ?? null, ...(runId ? { runId } : {}) });
  } catch (err) {
    const reason = `self_restart: the build passed, but keeping it as the stable build failed: ${(err as Error).message}; no restart`;
    deps.event?.("self_restart_failed", reason, { entry: plan.entry, ...(runId ? { runId } : {}) });
    deps.log?.(`step ${step.id} ${reason}`);
    return { ...outcome, status: "failed", exitCode: 1, reason };
  }
  return { ...outcome, restart: { entry: plan.entry } };
}

/** The output a run that could not start records, so a replay after a restart knows it. */
const NOT_STARTED: JsonObject = { not_started: true };

/** Who a new run belongs to: task, item, step (and the chain step it is a child of), cycle. */
function runOf(deps: StepRunDeps, step: PlannedStep, itemId: string | null): { taskId: string; itemId: string | null; stepId: string; parentStepId: string | null; cycle: number } {
  return { taskId: deps.ctx.task.id, itemId, stepId: step.id, parentStepId: step.parent ?? null, cycle: deps.cycle };
}

export function executionKey(cycle: number, stepId: string, itemId: string | null): string {
  return `${cycle}/${stepId}/${itemId ?? ""}`;
}

function outcomeFromRecord(r: RunRecord): StepOutcome {
  const out = (r.output ?? {}) as JsonObject;
  const o = outcomeOf(r.status, r.exitCode ?? 0, r.reason ?? undefined);
  o.runId = r.id;
  o.replayed = true;
  if (out["not_started"] === true) o.notStarted = true;
  o.stdout = typeof out["stdout_tail"] === "string" ? out["stdout_tail"] : "";
  const agentJson = out["agent"];
  if (agentJson && typeof agentJson === "object" && !Array.isArray(agentJson)) o.output = parseAgentOutput(JSON.stringify(agentJson));
  const caps = out["captures"];
  if (caps && typeof caps === "object" && !Array.isArray(caps)) o.captures = { ...EMPTY_CAPTURES, ...(caps as unknown as CaptureOutcome) };
  return o;
}

async function runChain(deps: StepRunDeps, step: PlannedStep, task: TaskState, scope: ScopeState, finished: ReadonlyMap<string, RunRecord>): Promise<StepOutcome> {
  // Children run serially with the variables the earlier children captured.
  let last: StepOutcome = outcomeOf("succeeded", 0);
  for (const child of step.chain) {
    // A child without its own profile runs under its chain's.
    const inherits = step.spec.execution_profile !== undefined && child.spec.execution_profile === undefined;
    last = await runStep(deps, inherits ? { ...child, spec: { ...child.spec, execution_profile: step.spec.execution_profile } } : child, task, scope, finished);
    Object.assign(scope.vars, last.captures.vars);
    if (last.interrupted) return last;
    if (last.status !== "succeeded" && last.status !== "skipped") {
      const why = last.notStarted && last.reason ? last.reason : `${last.status}${last.reason ? `: ${last.reason}` : ""}`;
      return { ...last, reason: `chain step '${child.id}' ${why}` };
    }
  }
  return last;
}

async function runBuiltin(deps: StepRunDeps, step: PlannedStep, task: TaskState, scope: ScopeState): Promise<StepOutcome> {
  const { ctx, tasks } = deps;
  const itemId = scope.item?.id ?? null;
  const record = (status: RunStatus, reason: string, extra: Partial<StepOutcome> = {}, detail: JsonObject = {}): StepOutcome => {
    const run = tasks.createRun({ ...runOf(deps, step, itemId), agent: null, command: `builtin:${step.builtin}`, logPath: null, status: "running" });
    const notStarted = extra.notStarted === true ? NOT_STARTED : {};
    tasks.finishRun(run.id, { status, exitCode: status === "succeeded" ? 0 : 1, reason, output: { builtin: step.builtin ?? null, reason, ...detail, ...notStarted } });
    return { ...outcomeOf(status, status === "succeeded" ? 0 : 1, reason), runId: run.id, ...extra };
  };
  switch (step.builtin) {
    case "init_once":
      return record("succeeded", "builtin init_once: nothing to run (give the step a command to run one)");
    case "item_select":
      return await runItemSelect(deps, step, task, record);
    case "loop_guard": {
      const guard = builtinLoopGuard(ctx.plan.loop, deps.unresolvedItems());
      return record("succeeded", `loop guard: ${guard.reason}`, { guard });
    }
    case "ticket_scan": {
      const open = openTickets(ctx.workspace.ticketDir, scope.item?.path);
      scope.facts = { ...scope.facts, activeTicketCount: open.length };
      return record("succeeded", `${open.length} open ticket(s)`);
    }
    default: {
      const note = step.builtin ? UNIMPLEMENTED_BUILTINS[step.builtin] : undefined;
      return record("failed", `could not start: builtin '${step.builtin}' is not supported by this engine${note ? `: ${note}` : ""}`, { notStarted: true });
    }
  }
}

type RecordBuiltin = (status: RunStatus, reason: string, extra?: Partial<StepOutcome>, detail?: JsonObject) => StepOutcome;

/**
 * `item_select`: keeps the best of the cycle's items (`top_k` of them) by
 * the variables they captured and eliminates the others (status
 * `eliminated`: no more steps in this task); the winner's variables,
 * `item_select_winner` (its item id) and `item_select_winner_path` become task
 * variables for the steps after it. With `store_result` the winner is also
 * written to that workflow store.
 */
async function runItemSelect(deps: StepRunDeps, step: PlannedStep, task: TaskState, record: RecordBuiltin): Promise<StepOutcome> {
  const { ctx, tasks } = deps;
  const own = step.spec.item_select_config;
  const holder = own !== undefined ? step : ctx.plan.steps.find((s) => s.spec.item_select_config !== undefined);
  const where = `spec.steps[${holder?.index ?? step.index}].item_select_config`;
  const candidates = (deps.itemCandidates?.() ?? []).filter((c) => c.item.status !== "eliminated");
  let result;
  let config;
  try {
    config = parseItemSelectConfig(holder?.spec.item_select_config, where);
    result = selectItem(candidates.map((c) => ({ id: c.item.id, vars: c.vars })), config);
  } catch (err) {
    if (err instanceof ItemSelectError) return record("failed", err.message);
    throw err;
  }
  const byId = new Map(candidates.map((c) => [c.item.id, c.item]));
  const pathOf = (id: string): string => byId.get(id)?.path ?? id;
  for (const id of result.eliminatedIds) tasks.updateItem(id, { status: "eliminated" });
  const winnerPath = pathOf(result.winnerId);
  Object.assign(task.vars, result.winnerVars, { item_select_winner: result.winnerId, item_select_winner_path: winnerPath });
  const eliminated = result.eliminatedIds.map(pathOf);
  const kept = result.keptIds.map(pathOf);
  const detail: JsonObject = { winner: winnerPath, kept, eliminated };
  // Isolated items: the winner's worktree becomes the workspace's.
  const isolation = itemIsolationOf(ctx.workflow.item_isolation);
  if (isolation) {
    try {
      const applied = await applyWinner(ctx, result.winnerVars);
      task.vars["item_isolation_winner_applied"] = "true";
      detail["applied"] = { branch: applied.branch, commit: applied.commit };
      deps.event?.("item_isolation_winner_applied", `the workspace fast-forwarded to ${applied.branch} (winner ${winnerPath})`, { winner: winnerPath, branch: applied.branch, commit: applied.commit });
    } catch (err) {
      if (!(err instanceof ItemIsolationError)) throw err;
      return record("failed", `item_select kept ${winnerPath}, but its changes could not be applied: ${err.message}`, {}, detail);
    }
  }
  if (config.storeResult) {
    const { namespace, key } = config.storeResult;
    const value: JsonObject = { winner: winnerPath, item_id: result.winnerId, vars: result.winnerVars, kept, eliminated, task_id: ctx.task.id, cycle: deps.cycle };
    const label = byId.get(result.winnerId)?.label;
    if (label !== undefined) value["label"] = label;
    if (config.metricVar !== undefined) value["metric"] = config.metricVar;
    if (result.winnerScore !== undefined) value["score"] = result.winnerScore;
    try {
      await deps.stores.put(ctx.project, namespace, key, value, ctx.task.id);
    } catch (err) {
      return record("failed", `item_select kept ${winnerPath}, but its store_result could not be written: ${(err as Error).message}`, {}, detail);
    }
    detail["stored"] = `${namespace}/${key}`;
  }
  return record(
    "succeeded",
    `item_select kept ${[winnerPath, ...kept].join(", ")}${eliminated.length ? `, eliminated ${eliminated.join(", ")}` : ""}${config.storeResult ? `; winner written to store '${config.storeResult.namespace}' key '${config.storeResult.key}'` : ""}`,
    {},
    detail,
  );
}

async function runProcessStep(deps: StepRunDeps, step: PlannedStep, task: TaskState, scope: ScopeState): Promise<StepOutcome> {
  const { ctx, tasks, cycle } = deps;
  const itemId = scope.item?.id ?? null;
  const run = tasks.createRun({ ...runOf(deps, step, itemId), agent: null, command: null, logPath: null, status: "running" });
  const logPath = join(ctx.logDir, `${run.id}.log`);
  const couldNotStart = (error: string, record: JsonObject = {}, secrets: readonly string[] = []): StepOutcome => {
    // The error may quote the whole command line (and so the prompt): a bounded, redacted excerpt is kept.
    const message = boundedReason(error, [...secrets, ...ctx.runtime.redact, ...ctx.secrets]);
    note(logPath, `step ${step.id} could not start: ${message}`);
    tasks.finishRun(run.id, { status: "failed", exitCode: 1, reason: `could not start: ${message}`, output: { ...record, ...NOT_STARTED } });
    deps.log?.(`step ${step.id}${scope.item ? ` [${scope.item.path}]` : ""} could not start: ${message}`);
    return { ...outcomeOf("failed", 1, `could not start: ${message}`), runId: run.id, notStarted: true };
  };
  let prepared: Prepared;
  let profiled: StepProfile;
  try {
    profiled = stepProfile(ctx, step);
    prepared = await prepare(deps, step, task, scope, run.id, logPath);
  } catch (err) {
    tasks.setRunDetails(run.id, { agent: null, command: null, logPath });
    return couldNotStart((err as Error).message);
  }
  // An agent step's details were recorded with its agent's selection.
  if (step.mode !== "agent") tasks.setRunDetails(run.id, { agent: prepared.agent, capability: prepared.capability, command: "command", logPath });
  const { profile } = profiled;
  let boundary: StepBoundary;
  try {
    boundary = await openStepBoundary(ctx, profile, run.id);
  } catch (err) {
    // Nothing ran: a profile this host cannot hold fails the step, it never runs unconfined.
    const message = (err as Error).message;
    if (err instanceof StepProfileError && err.reasonCode) emit(deps, unsupportedEvent(ctx, step, run.id, profile, message));
    return couldNotStart(message, boundaryRecord(undefined, profile, []));
  }
  const preamble = [...prepared.notes, `step ${step.id}${scope.item ? ` item ${scope.item.path}` : ""} cycle ${cycle}: ${step.mode === "agent" ? "agent" : "command"} starting`];
  deps.log?.(`step ${step.id}${scope.item ? ` [${scope.item.path}]` : ""} started${prepared.agent ? ` on agent ${prepared.agent}` : ""}`);

  let result: ProcessResult;
  // The RuntimePolicy's shell, and with an env allowlist only that part of the controller's environment.
  const runner = runnerOptions(ctx.runtime);
  const stall = stallLimitOf(step, ctx);
  try {
    result = await runHostedProcess({
      command: prepared.command,
      // The profile's environment over the agent's: the boundary has the last word.
      env: { ...runner.inherited, ...prepared.env, ...profiled.env.env, ...boundary.env },
      ...(runner.inherited ? { inheritEnv: false } : {}),
      ...(runner.shell ? { shell: runner.shell } : {}),
      // An isolated item's steps run in its worktree.
      cwd: (scope.item && scope.vars[ITEM_WORKTREE_VAR]) || ctx.workspace.root,
      logPath,
      runId: run.id,
      logMaxBytes: logMaxBytesOf(step, ctx),
      timeoutMs: timeoutSecsOf(step, ctx) * 1000,
      ...(stall ? { stallMs: stall.secs * 1000 } : {}),
      signal: deps.signal,
      onStart: (s) => tasks.setRunProcess(run.id, s.pid, s.pgid),
      preamble: [...boundary.notes, ...preamble],
      ...(boundary.launcher.length ? { launcher: boundary.launcher } : {}),
      ...(prepared.stdin !== undefined ? { stdin: prepared.stdin } : {}),
      ...redactionOf([...prepared.secrets, ...profiled.env.secrets, ...ctx.runtime.redact], ctx.secrets),
    });
  } catch (err) {
    await boundary.close();
    return couldNotStart((err as Error).message, {}, [...prepared.secrets, ...profiled.env.secrets]);
  }

  const denials = await boundary.close(result);
  for (const d of denials) note(logPath, `${d.reasonCode}: ${d.message}`);
  // A stall is a timeout of its own: the engine stopped the step, which did not end by itself.
  const ran: RunStatus = result.cancelled ? "cancelled" : result.timedOut || result.stalled ? "timed_out" : result.exitCode === 0 ? "succeeded" : "failed";
  // A command step's output is read for artifacts when the step collects them.
  const collects = step.spec.behavior?.collect_artifacts === true;
  const output = step.mode === "agent" || collects ? parseAgentOutput(result.stdoutTail) : { artifacts: [] };
  if (collects && output.artifacts.length && !result.cancelled) {
    const kinds = [...new Set(output.artifacts.map((a) => (typeof a["kind"] === "string" ? a["kind"] : "?")))];
    note(logPath, `collected ${output.artifacts.length} artifact(s): ${kinds.join(", ")}`);
    deps.event?.("artifacts_collected", `${step.id}: ${output.artifacts.length} artifact(s)`, { runId: run.id, step: step.id, item: scope.item?.path ?? null, count: output.artifacts.length, kinds });
  }
  const captures = applyCaptures(step.captures, { stdout: result.stdoutTail, stderr: result.stderrTail, exitCode: result.exitCode, success: ran === "succeeded" });
  noteTruncatedOutput(logPath, step, result);
  reportCaptureProblems(deps, step, scope, run.id, logPath, captures.problems);
  // Post-actions and store_outputs run before the result is recorded: one that could not do its work fails the step.
  const post = result.cancelled
    ? {}
    : await runPostActionsRecorded(tasks, run.id, result.exitCode, () => runPostActions(
        { ctx, tasks, store: deps.store, stores: deps.stores, cycle, signal: deps.signal, ...(deps.log ? { log: deps.log } : {}), ...(deps.event ? { event: deps.event } : {}), ...(deps.onItemsGenerated ? { onItemsGenerated: deps.onItemsGenerated } : {}) },
        {
          step,
          scope,
          runId: run.id,
          succeeded: ran === "succeeded",
          exitCode: result.exitCode,
          stdout: result.stdoutTail,
          stderr: result.stderrTail,
          captureFlags: captures.flags,
          vars: stepVariables(deps, step, task, scope, result.stdoutTail, captures.vars),
          note: (line) => note(logPath, line),
        },
      ));
  const status: RunStatus = post.failure && ran === "succeeded" ? "failed" : ran;
  const denied = ran === "failed" && denials[0] ? `${denials[0].reasonCode}: ${denials[0].message}` : undefined;
  const ranReason = result.cancelled
    ? "cancelled (task paused or stopped)"
    : result.timedOut
      ? `timed out after ${timeoutSecsOf(step, ctx)}s`
      : result.stalled && stall
        ? `stalled: no output on stdout or stderr for ${stall.secs}s (${stall.field}: ${stall.secs}); the step's process group was stopped`
        : (denied ?? drainedReason(deps, prepared.agent, result) ?? (result.exitCode === 127 ? "command not found (exit 127)" : undefined));
  const reason = post.failure ? (ranReason ? `${ranReason}; ${post.failure}` : post.failure) : ranReason;
  const recordOutput: JsonObject = { stdout_tail: result.stdoutTail.slice(-4096), captures: captures as unknown as JsonObject, artifacts: output.artifacts, ...boundaryRecord(boundary.plan, profile, denials) };
  if (output.json) recordOutput["agent"] = output.json;
  if (prepared.commandRule !== undefined) recordOutput["command_rule"] = prepared.commandRule;
  if (output.confidence !== undefined) recordOutput["confidence"] = output.confidence;
  if (output.qualityScore !== undefined) recordOutput["quality_score"] = output.qualityScore;
  const finished = tasks.finishRun(run.id, { status, exitCode: result.exitCode, reason: reason ?? null, output: recordOutput });
  for (const e of denialEvents(ctx, step, run.id, profile, denials)) emit(deps, e);
  deps.log?.(`step ${step.id}${scope.item ? ` [${scope.item.path}]` : ""} ${status} (exit ${result.exitCode}, ${finished.durationMs ?? result.durationMs} ms)`);

  const outcome: StepOutcome = {
    status,
    exitCode: result.exitCode,
    stdout: result.stdoutTail,
    stderr: result.stderrTail,
    output,
    captures,
    runId: run.id,
    ...(reason ? { reason } : {}),
    ...(result.cancelled ? { interrupted: true } : {}),
  };
  if (step.isGuard) outcome.guard = parseGuardOutput(result.stdoutTail);
  return outcome;
}

/** What post-actions read: every variable the step saw, its captures, and its own output as `<id>_output`. */
function stepVariables(deps: StepRunDeps, step: PlannedStep, task: TaskState, scope: ScopeState, stdout: string, captured: Readonly<Record<string, string>>): Record<string, string> {
  const pctx = promptContext(deps, task, { ...scope, vars: { ...scope.vars, ...captured } }, step.spec.step_vars);
  pctx.stepOutputs = { ...task.stepOutputs, [step.id]: stdout };
  return pipelineVariables(pctx);
}

/**
 * A capture that set nothing (its `json_path` found no value) is said in the
 * step's log and as a `capture_missing` event; `task info` lists it from the
 * run's recorded captures.
 */
function reportCaptureProblems(deps: StepRunDeps, step: PlannedStep, scope: ScopeState, runId: string, logPath: string, problems: readonly string[]): void {
  for (const problem of problems) {
    const where = `step ${step.id}${scope.item ? ` [${scope.item.path}]` : ""} cycle ${deps.cycle}`;
    note(logPath, `capture missing: ${problem}`);
    deps.log?.(`${where}: capture missing: ${problem}`);
    deps.event?.("capture_missing", `${where}: ${problem}`, { runId, step: step.id, item: scope.item?.path ?? null, cycle: deps.cycle, problem });
  }
}

/**
 * A fault of the engine's own in a post-action (a ticket it cannot write)
 * fails the task; the step's run is recorded as failed with that error first,
 * so no run is left open.
 */
async function runPostActionsRecorded(tasks: TaskStore, runId: string, exitCode: number, fn: () => Promise<PostActionOutcome>): Promise<PostActionOutcome> {
  try {
    return await fn();
  } catch (err) {
    tasks.finishRun(runId, { status: "failed", exitCode, reason: (err as Error).message });
    throw err;
  }
}

/** Records a sandbox event through the task runner's hook, tied to its run. */
function emit(deps: StepRunDeps, e: NewEvent): void {
  deps.event?.(e.type, e.message, { ...(e.data ?? {}), ...(e.runId ? { runId: e.runId } : {}) });
}

/**
 * Captures, the agent's output and a guard's verdict are read from the
 * bounded tail of each stream the process runner keeps (64 KiB): when a
 * stream was longer, the log says that they saw only its end.
 */
function noteTruncatedOutput(logPath: string, step: PlannedStep, result: ProcessResult): void {
  const streams = [
    { name: "stdout" as const, total: result.stdoutBytes, kept: Buffer.byteLength(result.stdoutTail) },
    { name: "stderr" as const, total: result.stderrBytes, kept: Buffer.byteLength(result.stderrTail) },
  ];
  for (const { name, total, kept } of streams) {
    if (total <= kept) continue;
    const readers = step.captures.filter((c) => c.source === name).map((c) => `capture '${c.var}'`);
    if (name === "stdout" && step.mode === "agent") readers.push("the agent's output (artifacts, confidence, JSON)");
    if (name === "stdout" && step.isGuard) readers.push("the guard's verdict");
    if (readers.length === 0) continue;
    note(logPath, `${name} was ${total} bytes; ${readers.join(", ")} read only its last ${kept} bytes`);
  }
}

/** A step killed by a signal while its agent was being drained was ended by `agent drain --timeout`. */
function drainedReason(deps: StepRunDeps, agent: string | null, result: ProcessResult): string | undefined {
  if (agent === null || (result.signal === undefined && result.exitCode <= 128)) return undefined;
  const state = deps.tasks.listAgentStates().find((s) => s.name === agent && (s.project === deps.ctx.project || s.project === "default"));
  if (state?.state !== "draining" && state?.state !== "drained") return undefined;
  return `ended: agent ${agent} was drained (agent drain --timeout) while the step ran`;
}

/** The agent's own secrets whatever their length, and every secret of the project (see secret-values.ts). */
function redactionOf(given: readonly string[], project: readonly string[]): { redact?: readonly string[] } {
  const all = [...new Set([...given, ...project])].sort((a, b) => b.length - a.length);
  return all.length ? { redact: all } : {};
}
