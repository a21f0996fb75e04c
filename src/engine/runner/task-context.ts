/**
 * @module Everything a task needs resolved before its first step: the
 * workflow's execution plan, the workspace and its root on disk, and the
 * agents, templates, profiles and env stores of the task's project.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { projectSecretValues } from "./secret-values.js";
import { applyDefaults } from "../../resources/defaults.js";
import { formatPath } from "../../resources/diagnostics.js";
import { findRefusedFields } from "../../resources/support.js";
import type { JsonObject, Resource } from "../../resources/types.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import type { Home } from "../../store/home.js";
import type { Store, StoredResource } from "../../store/store.js";
import type { TaskRecord } from "../../store/task-store.js";
import { buildExecutionPlan } from "../plan/build.js";
import { resolveRuntimeSettings, type RuntimeSettings } from "./runtime-policy.js";
import type { ExecutionPlan, StepSpec, WorkflowSpec } from "../plan/types.js";

export class TaskSetupError extends Error {
  override name = "TaskSetupError";
}

export interface WorkspaceInfo {
  name: string;
  /** Absolute root on disk. */
  root: string;
  qaTargets: string[];
  /** Absolute ticket directory, when the workspace names one. */
  ticketDir: string | undefined;
  /** As written, for `{ticket_dir}`. */
  ticketDirRel: string;
  /** `self_referential: true`: the workspace holds the orchestrator's own source. */
  selfReferential: boolean;
  /** `health_policy`: the default for agents working in this workspace. */
  healthPolicy?: JsonObject;
  /** `binary_snapshot: true`: every workflow run here snapshots the built output each cycle. */
  binarySnapshot: boolean;
}

export interface TaskContext {
  task: TaskRecord;
  home: Home;
  project: string;
  /** Workflow name, or `template:<T>` for a direct assembly. */
  workflowName: string;
  plan: ExecutionPlan;
  /** Effective workflow spec (after defaults), for safety settings. */
  workflow: WorkflowSpec;
  workspace: WorkspaceInfo;
  /** Effective Agent resources of every project (selection decides the pool). */
  agents: Resource[];
  templates: Map<string, Resource>;
  profiles: Map<string, Resource>;
  /** EnvStore and SecretStore resources by name, project first then default. */
  envStores: Map<string, Resource>;
  /** Every secret value the task's project can reach: redacted from its step logs. */
  secrets: string[];
  /** The project's RuntimePolicy (shell, inherited environment, redaction, resume), or the built-in settings. */
  runtime: RuntimeSettings;
  logDir: string;
  spillDir: string;
}

const effective = (r: StoredResource): Resource => applyDefaults(r);

/** Resources of a kind in the project, falling back to the default project by name. */
function byName(store: Store, kind: string, project: string): Map<string, Resource> {
  const map = new Map<string, Resource>();
  if (project !== DEFAULT_PROJECT) for (const r of store.listResources({ project: DEFAULT_PROJECT, kind })) map.set(r.metadata.name, effective(r));
  for (const r of store.listResources({ project, kind })) map.set(r.metadata.name, effective(r));
  return map;
}

export function resolveWorkspace(store: Store, home: Home, project: string, name: string | null): WorkspaceInfo {
  return workspaceOf(store.listResources({ project, kind: "Workspace" }), home, project, name);
}

function workspaceOf(candidates: readonly StoredResource[], home: Home, project: string, name: string | null): WorkspaceInfo {
  const ws = name ? candidates.find((w) => w.metadata.name === name) : candidates.length === 1 ? candidates[0] : undefined;
  if (!ws) {
    if (name) throw new TaskSetupError(`workspace '${name}' not found in project '${project}'`);
    throw new TaskSetupError(`no workspace named and project '${project}' holds ${candidates.length === 0 ? "none" : `several (${candidates.map((w) => w.metadata.name).join(", ")})`}; pass --workspace`);
  }
  const spec = applyDefaults(ws).spec;
  const rootPath = String(spec["root_path"] ?? ".");
  const root = isAbsolute(rootPath) ? rootPath : resolve(home.root, rootPath);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new TaskSetupError(`workspace '${ws.metadata.name}' root_path '${rootPath}' does not exist (resolved to ${root}); create it or fix spec.root_path`);
  }
  const ticketDirRel = typeof spec["ticket_dir"] === "string" ? spec["ticket_dir"] : "";
  return {
    name: ws.metadata.name,
    root,
    qaTargets: Array.isArray(spec["qa_targets"]) ? spec["qa_targets"].filter((t): t is string => typeof t === "string") : [],
    ticketDir: ticketDirRel ? resolve(root, ticketDirRel) : undefined,
    ticketDirRel,
    selfReferential: spec["self_referential"] === true,
    binarySnapshot: spec["binary_snapshot"] === true,
    ...(spec["health_policy"] && typeof spec["health_policy"] === "object" && !Array.isArray(spec["health_policy"]) ? { healthPolicy: spec["health_policy"] } : {}),
  };
}

/** The workflow spec a task runs: the named Workflow, or a one-step plan for `run --template`. */
export function resolveWorkflowSpec(store: Store, task: Pick<TaskRecord, "project" | "workflow" | "spec">): { name: string; spec: WorkflowSpec } {
  if (task.spec.template) {
    const step: StepSpec = { id: task.spec.template, type: task.spec.template, scope: "task", template: task.spec.template, required_capability: task.spec.agentCapability ?? task.spec.template };
    if (task.spec.profile) step.execution_profile = task.spec.profile;
    const wf = applyDefaults({ apiVersion: "orchestrator.dev/v2", kind: "Workflow", metadata: { name: `template-${task.spec.template}` }, spec: { steps: [step as unknown as JsonObject] } });
    return { name: `template:${task.spec.template}`, spec: wf.spec as unknown as WorkflowSpec };
  }
  if (!task.workflow) throw new TaskSetupError("the task names no workflow");
  const wf = store.getResource({ project: task.project, kind: "Workflow", name: task.workflow });
  if (!wf) throw new TaskSetupError(`workflow '${task.workflow}' not found in project '${task.project}'`);
  // Stored before validation refused it: the task fails rather than run with the field ignored.
  const [refused] = findRefusedFields("Workflow", wf.spec);
  if (refused) throw new TaskSetupError(`workflow '${task.workflow}': ${formatPath(refused.path)}: ${refused.message}; ${refused.hint}, then apply the workflow again`);
  return { name: task.workflow, spec: applyDefaults(wf).spec as unknown as WorkflowSpec };
}

function cachedWorkflowSpec(store: Store, resources: ProjectResources, task: TaskRecord): { name: string; spec: WorkflowSpec } {
  if (task.spec.template || !task.workflow) return resolveWorkflowSpec(store, task);
  let wf = resources.workflows.get(task.workflow);
  if (!wf) {
    wf = resolveWorkflowSpec(store, task);
    resources.workflows.set(task.workflow, wf);
  }
  return wf;
}

/** The resources a task of a project resolves at start: the same for every task until the resources change. */
interface ProjectResources {
  workspaces: StoredResource[];
  agents: Resource[];
  templates: Map<string, Resource>;
  profiles: Map<string, Resource>;
  envStores: Map<string, Resource>;
  secrets: string[];
  runtime: RuntimeSettings;
  /** Workflows resolved so far, by name. */
  workflows: Map<string, { name: string; spec: WorkflowSpec }>;
}

/**
 * Per store, the resources each project's tasks resolve, kept while the
 * store's resources version stays the same (any change of content, by any
 * process, moves it): a controller starting many tasks reads and defaults
 * them once. Shared read-only by the contexts built from them.
 */
const snapshots = new WeakMap<Store, { version: number; projects: Map<string, ProjectResources> }>();

function projectResources(store: Store, project: string, home: Home): ProjectResources {
  const version = store.resourcesVersion();
  let snapshot = snapshots.get(store);
  if (!snapshot || snapshot.version !== version) {
    snapshot = { version, projects: new Map() };
    snapshots.set(store, snapshot);
  }
  let resources = snapshot.projects.get(project);
  if (!resources) {
    const envStores = byName(store, "EnvStore", project);
    for (const [k, v] of byName(store, "SecretStore", project)) envStores.set(k, v);
    resources = {
      workspaces: store.listResources({ project, kind: "Workspace" }),
      agents: store.listResources({ kind: "Agent", allProjects: true }).map(effective),
      templates: byName(store, "StepTemplate", project),
      profiles: new Map(store.listResources({ project, kind: "ExecutionProfile" }).map((r) => [r.metadata.name, effective(r)])),
      envStores,
      secrets: projectSecretValues(store, project, { env: process.env, baseDir: home.root }),
      runtime: resolveRuntimeSettings(store, project),
      workflows: new Map(),
    };
    snapshot.projects.set(project, resources);
  }
  return resources;
}

export function loadTaskContext(store: Store, home: Home, task: TaskRecord): TaskContext {
  const resources = projectResources(store, task.project, home);
  const { name, spec } = cachedWorkflowSpec(store, resources, task);
  const plan = buildExecutionPlan(spec, { workflow: name, steps: task.spec.steps });
  const workspace = workspaceOf(resources.workspaces, home, task.project, task.workspace);
  return {
    task,
    home,
    project: task.project,
    workflowName: name,
    plan,
    workflow: spec,
    workspace,
    agents: resources.agents,
    templates: resources.templates,
    profiles: resources.profiles,
    envStores: resources.envStores,
    secrets: resources.secrets,
    runtime: resources.runtime,
    logDir: join(home.dir, "logs", task.id),
    spillDir: join(home.dir, "spill", task.id),
  };
}
