/**
 * @module Submitting work: `task create`, `orchestrator run` and a committed
 * Task or Run all become a Task/Run resource plus a queued task record.
 * Everything that can be known before a worker starts is checked here, so a
 * bad request fails at submission with a message, not later in a log.
 */
import { randomBytes } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import type { JsonObject, JsonValue } from "../../resources/types.js";
import { API_VERSION } from "../../resources/types.js";
import { hashedContent } from "../../reconcile/plan.js";
import type { Home } from "../../store/home.js";
import type { Store } from "../../store/store.js";
import { openTaskStore, type TaskOrigin, type TaskParent, type TaskRecord, type TaskSpecRecord, type TaskStore } from "../../store/task-store.js";
import { buildExecutionPlan, PlanError } from "../plan/build.js";
import { candidateFromAgent, lifecycleLookup } from "../selection/candidates.js";
import { selectAgent } from "../selection/select.js";
import { applyDefaults } from "../../resources/defaults.js";
import { collectItemPaths, insideWorkspace, itemPathOf } from "../runner/items.js";
import { resolveWorkflowSpec, resolveWorkspace, TaskSetupError } from "../runner/task-context.js";
import { selfReferentialVerdict } from "../runner/self-referential.js";

export class SubmitError extends Error {
  override name = "SubmitError";
}

export interface SubmitRequest {
  kind: "Task" | "Run";
  origin: TaskOrigin;
  project: string;
  /** Human name (`--name`); also the prefix of the generated resource name. */
  name?: string;
  workflow?: string;
  workspace?: string;
  goal?: string;
  steps?: string[];
  vars?: Record<string, string>;
  /** Absolute, or relative to `cwd`. */
  targetFiles?: string[];
  template?: string;
  agentCapability?: string;
  profile?: string;
  /** False for `--no-start`. */
  start: boolean;
  cwd: string;
  /** For a task a step spawns: its parent task and step, and its depth. */
  parent?: TaskParent;
  /** Trigger firings deep (see TaskSpecRecord.triggerDepth). */
  triggerDepth?: number;
}

export interface Submitted {
  task: TaskRecord;
  resourceName: string;
}

/** `goal` given both as the goal and as a variable, with different values. */
export class GoalConflictError extends SubmitError {
  override name = "GoalConflictError";
}

/**
 * `--set goal=X` (or `vars: {goal: X}`) means the goal X: it is moved out of
 * the variables into the goal, so `{goal}`, `task info` and the resource
 * say the same thing. Both given with different values is an error.
 */
export function goalFromVars(goal: string | undefined, vars: Readonly<Record<string, string>>, flags = { goal: "--goal", set: "--set goal" }): { goal: string; vars: Record<string, string> } {
  const { goal: fromVars, ...rest } = vars;
  if (fromVars === undefined) return { goal: goal ?? "", vars: rest };
  if (goal !== undefined && goal !== "" && goal !== fromVars) {
    throw new GoalConflictError(`${flags.goal} ${JSON.stringify(goal)} and ${flags.set}=${JSON.stringify(fromVars)} disagree; give the goal once`);
  }
  return { goal: fromVars, vars: rest };
}

/** The single workflow/workspace of a project when none is named, else an error listing the choices. */
function pickOne(store: Store, project: string, kind: "Workflow" | "Workspace", named: string | undefined): string {
  const all = store.listResources({ project, kind }).map((r) => r.metadata.name);
  if (named) {
    if (!all.includes(named)) throw new SubmitError(`${kind.toLowerCase()} '${named}' not found in project '${project}'${all.length ? `; choices: ${all.join(", ")}` : ""}`);
    return named;
  }
  if (all.length === 1) return all[0]!;
  const flag = kind === "Workflow" ? "--workflow" : "--workspace";
  if (all.length === 0) throw new SubmitError(`project '${project}' has no ${kind.toLowerCase()}; apply one first`);
  throw new SubmitError(`project '${project}' has ${all.length} ${kind.toLowerCase()}s; pass ${flag} with one of: ${all.join(", ")}`);
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[-._]+|[-._]+$/g, "").slice(0, 40) || "task";
}

function generateName(store: Store, project: string, kind: string, prefix: string): string {
  for (;;) {
    const name = `${slug(prefix)}-${randomBytes(4).readUInt32BE(0).toString(36).padStart(5, "0").slice(-5)}`;
    if (!store.getResource({ project, kind, name })) return name;
  }
}

/**
 * A NUL byte cannot reach a process: argv and environment strings end at
 * the first one, so a goal or variable holding one would fail every step
 * that uses it (or worse, be cut short in silence). Refused here, at once.
 */
function nulProblem(req: SubmitRequest): string | undefined {
  const where = (text: string): number => text.indexOf("\u0000");
  const hint = "a NUL byte (\\0) cannot be passed to a process (arguments and environment values end at the first one); remove it";
  if (req.goal !== undefined && where(req.goal) >= 0) return `the goal contains a NUL byte at character ${where(req.goal) + 1}; ${hint}`;
  for (const [k, v] of Object.entries(req.vars ?? {})) {
    if (where(k) >= 0) return `a variable name contains a NUL byte; ${hint}`;
    if (where(v) >= 0) return `variable '${k}' contains a NUL byte at character ${where(v) + 1}; ${hint}`;
  }
  return undefined;
}

/** Checks a request against the stored resources; returns the normalized execution spec. */
export function checkRequest(store: Store, home: Home, req: SubmitRequest): { workflow: string | null; workspace: string; spec: TaskSpecRecord } {
  const project = req.project;
  const nul = nulProblem(req);
  if (nul) throw new SubmitError(nul);
  const workspace = pickOne(store, project, "Workspace", req.workspace);
  let ws: ReturnType<typeof resolveWorkspace>;
  try {
    ws = resolveWorkspace(store, home, project, workspace);
  } catch (err) {
    throw new SubmitError((err as Error).message);
  }
  const wsRoot = ws.root;
  const spec: TaskSpecRecord = { steps: req.steps ?? [], vars: req.vars ?? {}, targetFiles: [] };
  let workflow: string | null = null;
  if (req.template) {
    spec.template = req.template;
    spec.agentCapability = req.agentCapability ?? req.template;
    if (req.profile) spec.profile = req.profile;
    const templates = [...store.listResources({ project, kind: "StepTemplate" }), ...(project === "default" ? [] : store.listResources({ project: "default", kind: "StepTemplate" }))];
    if (!templates.some((t) => t.metadata.name === req.template)) throw new SubmitError(`step template '${req.template}' not found`);
    if (req.profile && !store.getResource({ project, kind: "ExecutionProfile", name: req.profile })) throw new SubmitError(`execution profile '${req.profile}' not found in project '${project}'`);
    const lifecycle = lifecycleLookup(openTaskStore(store).listAgentStates());
    const agents = store.listResources({ kind: "Agent", allProjects: true }).map((a) => candidateFromAgent(applyDefaults(a), lifecycle(a)));
    try {
      selectAgent({ capability: spec.agentCapability, project, agents });
    } catch (err) {
      throw new SubmitError((err as Error).message);
    }
  } else {
    workflow = pickOne(store, project, "Workflow", req.workflow);
  }
  try {
    const { name, spec: wfSpec } = resolveWorkflowSpec(store, { project, workflow, spec });
    const plan = buildExecutionPlan(wfSpec, { workflow: name, steps: spec.steps });
    const selfRef = selfReferentialVerdict(name, wfSpec, plan.steps, ws);
    if (selfRef.errors.length) throw new SubmitError(`self-referential safety policy refuses the task: ${selfRef.errors.join("; ")}`);
  } catch (err) {
    if (err instanceof PlanError || err instanceof TaskSetupError) throw new SubmitError(err.message);
    throw err;
  }
  // Qa targets and target files must lie inside the workspace root (by their
  // real paths); target files are kept relative to it.
  try {
    collectItemPaths(wsRoot, ws.qaTargets, []);
    if (ws.ticketDir && !insideWorkspace(wsRoot, ws.ticketDir)) throw new TaskSetupError(`ticket_dir '${ws.ticketDirRel}' is outside the workspace root ${wsRoot} (symbolic links resolved); tickets are written only inside the workspace`);
    spec.targetFiles = (req.targetFiles ?? []).map((f) => itemPathOf(wsRoot, isAbsolute(f) ? f : resolve(req.cwd, f), `target file '${f}'`));
  } catch (err) {
    if (err instanceof TaskSetupError) throw new SubmitError(`workspace '${workspace}': ${err.message}`);
    throw err;
  }
  return { workflow, workspace, spec };
}

/**
 * Creates the Task/Run resource and its task record (queued unless `start`
 * is false), in one write transaction: a controller looking for committed
 * Tasks that never ran must never see the resource without its record, or
 * it would run the task a second time.
 */
export function submit(store: Store, tasks: TaskStore, home: Home, req: SubmitRequest): Submitted {
  return store.writeTransaction(() => submitInTransaction(store, tasks, home, req));
}

function submitInTransaction(store: Store, tasks: TaskStore, home: Home, req: SubmitRequest): Submitted {
  const merged = goalFromVars(req.goal, req.vars ?? {});
  req = { ...req, goal: merged.goal, vars: merged.vars };
  const { workflow, workspace, spec } = checkRequest(store, home, req);
  if (req.triggerDepth) spec.triggerDepth = req.triggerDepth;
  const resourceName = generateName(store, req.project, req.kind, req.name ?? workflow ?? req.template ?? req.kind.toLowerCase());
  const resSpec: JsonObject = {};
  if (workflow) resSpec["workflow"] = workflow;
  resSpec["workspace"] = workspace;
  if (req.goal) resSpec["goal"] = req.goal;
  if (spec.steps.length) resSpec["steps"] = spec.steps;
  if (Object.keys(spec.vars).length) resSpec["vars"] = spec.vars;
  if (spec.targetFiles.length) resSpec["target_files"] = spec.targetFiles;
  if (spec.template) {
    resSpec["template"] = spec.template;
    resSpec["agent_capability"] = spec.agentCapability!;
    if (spec.profile) resSpec["profile"] = spec.profile;
  }
  const metadata = { name: resourceName, project: req.project, ...(req.name ? { description: req.name } : {}) };
  const resource = { apiVersion: API_VERSION, kind: req.kind, metadata, spec: resSpec };
  const appliedBy = req.origin === "run" ? "run" : req.origin === "spawn" ? "spawn" : "task-create";
  store.commit(
    [{ op: "create", resource: { ...resource, hash: store.contentHash(req.kind, hashedContent(resource) as JsonObject), origin: { appliedBy } } }],
    appliedBy,
  );
  const task = tasks.createTask({
    name: req.name ?? resourceName,
    project: req.project,
    origin: req.origin,
    resourceKind: req.kind,
    resourceName,
    resourceGeneration: 1,
    workflow,
    workspace,
    goal: req.goal ?? "",
    spec,
    queued: req.start,
    ...(req.parent ? { parent: req.parent } : {}),
  });
  return { task, resourceName };
}

const str = (v: JsonValue | undefined): string | undefined => (typeof v === "string" ? v : undefined);
const strs = (v: JsonValue | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export interface EnqueueOptions {
  /** False: the record is created for the caller to run itself (`watch` with no controller). Default true. */
  queued?: boolean;
}

/**
 * A committed Task or Run runs once per generation: when no task record
 * exists for this generation yet, one is created and queued. Returns it, or
 * undefined when this generation already ran (or runs). The check and the
 * creation are one write transaction, so processes racing to enqueue the
 * same generation create one record between them.
 */
export function enqueueDeclarative(store: Store, tasks: TaskStore, home: Home, key: { project: string; kind: "Task" | "Run"; name: string }, opts: EnqueueOptions = {}): TaskRecord | undefined {
  return store.writeTransaction(() => enqueueInTransaction(store, tasks, home, key, opts.queued ?? true));
}

function enqueueInTransaction(store: Store, tasks: TaskStore, home: Home, key: { project: string; kind: "Task" | "Run"; name: string }, queued: boolean): TaskRecord | undefined {
  const r = store.getResource(key);
  if (!r) return undefined;
  const existing = tasks.listTasks({ resourceKind: key.kind, resourceName: key.name, project: key.project });
  if (existing.some((t) => t.resourceGeneration === r.generation)) return undefined;
  // A generation whose task record was deleted (`task delete`) still ran: its status says so.
  if (r.status?.["observedGeneration"] === r.generation) return undefined;
  const s = r.spec;
  const vars: Record<string, string> = {};
  const rawVars = s["vars"];
  if (rawVars && typeof rawVars === "object" && !Array.isArray(rawVars)) for (const [k, v] of Object.entries(rawVars)) vars[k] = typeof v === "string" ? v : JSON.stringify(v);
  let merged: { goal: string; vars: Record<string, string> };
  try {
    merged = goalFromVars(str(s["goal"]), vars, { goal: "spec.goal", set: "spec.vars.goal" });
  } catch {
    // Validation refuses a manifest whose goals disagree; one stored before that check keeps its spec.goal.
    merged = { goal: str(s["goal"]) ?? "", vars };
  }
  const req: SubmitRequest = {
    kind: key.kind,
    origin: "manifest",
    project: key.project,
    goal: merged.goal,
    steps: strs(s["steps"]),
    vars: merged.vars,
    targetFiles: strs(s["target_files"]),
    start: true,
    cwd: home.root,
  };
  const wf = str(s["workflow"]);
  if (wf) req.workflow = wf;
  const ws = str(s["workspace"]);
  if (ws) req.workspace = ws;
  const tpl = str(s["template"]);
  if (tpl) req.template = tpl;
  const cap = str(s["agent_capability"]);
  if (cap) req.agentCapability = cap;
  const profile = str(s["profile"]);
  if (profile) req.profile = profile;
  let checked: ReturnType<typeof checkRequest>;
  try {
    // Target files of a committed Task are relative to the workspace root.
    checked = checkRequest(store, home, { ...req, targetFiles: [] });
    if (req.targetFiles?.length) {
      const root = resolveWorkspace(store, home, key.project, checked.workspace).root;
      collectItemPaths(root, [], req.targetFiles.map((f) => resolve(root, f)));
      checked.spec.targetFiles = req.targetFiles;
    }
  } catch (err) {
    const failed = tasks.createTask({
      name: key.name,
      project: key.project,
      origin: "manifest",
      resourceKind: key.kind,
      resourceName: key.name,
      resourceGeneration: r.generation,
      workflow: wf ?? null,
      workspace: ws ?? null,
      goal: req.goal ?? "",
      spec: { steps: req.steps ?? [], vars, targetFiles: req.targetFiles ?? [] },
      queued: false,
    });
    return tasks.updateTask(failed.id, { phase: "Failed", exitCode: 1, message: (err as Error).message });
  }
  return tasks.createTask({
    name: key.name,
    project: key.project,
    origin: "manifest",
    resourceKind: key.kind,
    resourceName: key.name,
    resourceGeneration: r.generation,
    workflow: checked.workflow,
    workspace: checked.workspace,
    goal: req.goal ?? "",
    spec: checked.spec,
    queued,
  });
}

