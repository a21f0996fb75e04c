/**
 * @module Cross-reference checks over a stored set (`orchestrator check`):
 * every name a resource points at resolves to something that exists, in the
 * scope where the engine will look for it.
 */
import { applyDefaults } from "./defaults.js";
import type { Diagnostic } from "./diagnostics.js";
import { checkPrehookVariables } from "./prehook-vars.js";
import type { JsonObject, JsonValue, Resource } from "./types.js";
import { DEFAULT_PROJECT } from "./types.js";

/** A resource with its project resolved and, where known, the file it came from. */
export interface CheckedResource {
  resource: Resource;
  project: string;
  file?: string;
  line?: number;
}

export interface CheckOptions {
  workflow?: string;
  project?: string;
}

const asObj = (v: JsonValue | undefined): JsonObject | undefined => (v && typeof v === "object" && !Array.isArray(v) ? v : undefined);
const asArr = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);
const asStr = (v: JsonValue | undefined): string | undefined => (typeof v === "string" ? v : undefined);

class Index {
  private readonly byKind = new Map<string, CheckedResource[]>();
  constructor(all: readonly CheckedResource[]) {
    for (const r of all) {
      const list = this.byKind.get(r.resource.kind) ?? [];
      list.push(r);
      this.byKind.set(r.resource.kind, list);
    }
  }
  of(kind: string, project?: string): CheckedResource[] {
    const list = this.byKind.get(kind) ?? [];
    return project === undefined ? list : list.filter((r) => r.project === project);
  }
  find(kind: string, project: string, name: string): CheckedResource | undefined {
    return this.of(kind, project).find((r) => r.resource.metadata.name === name);
  }
  /** Same project first, then the default project. */
  findWithFallback(kind: string, project: string, name: string): CheckedResource | undefined {
    return this.find(kind, project, name) ?? (project !== DEFAULT_PROJECT ? this.find(kind, DEFAULT_PROJECT, name) : undefined);
  }
  /** Project agents are used exclusively when the project has any. */
  agentsInScope(project: string): { scope: string; agents: CheckedResource[] } {
    const own = this.of("Agent", project);
    if (own.length > 0 || project === DEFAULT_PROJECT) return { scope: project, agents: own };
    return { scope: DEFAULT_PROJECT, agents: this.of("Agent", DEFAULT_PROJECT) };
  }
}

/** Why the manifest keeps an agent out of selection, or undefined. */
function unschedulable(agent: Resource): string | undefined {
  if (agent.spec["enabled"] === false) return "is disabled (spec.enabled: false)";
  if (agent.spec["cordoned"] === true) return "is cordoned (spec.cordoned: true)";
  return undefined;
}

function capabilitiesOf(agent: Resource): string[] {
  return asArr(agent.spec["capabilities"]).filter((c): c is string => typeof c === "string");
}

function diag(r: CheckedResource, severity: Diagnostic["severity"], path: string, message: string, hint?: string): Diagnostic {
  const d: Diagnostic = {
    severity,
    code: "reference",
    message,
    resource: `${r.resource.kind.toLowerCase()}/${r.resource.metadata.name}`,
    path,
  };
  if (r.file) d.position = { file: r.file, line: r.line ?? 1, column: 1 };
  if (hint) d.hint = hint;
  return d;
}

export function checkReferences(all: readonly CheckedResource[], opts: CheckOptions = {}): Diagnostic[] {
  const index = new Index(all);
  const inScope = (r: CheckedResource): boolean => opts.project === undefined || r.project === opts.project;
  const out: Diagnostic[] = [];

  for (const wf of index.of("Workflow").filter(inScope)) {
    if (opts.workflow && wf.resource.metadata.name !== opts.workflow) continue;
    out.push(...checkWorkflow(wf, index));
  }
  if (opts.workflow) return out;
  for (const t of index.of("Trigger").filter(inScope)) out.push(...checkTrigger(t, index));
  for (const a of index.of("Agent").filter(inScope)) out.push(...checkEnvRefs(a, index));
  for (const p of index.of("ExecutionProfile").filter(inScope)) out.push(...checkEnvRefs(p, index));
  out.push(...checkRuntimePolicies(index.of("RuntimePolicy").filter(inScope)));
  for (const ws of index.of("WorkflowStore").filter(inScope)) {
    const provider = asStr(ws.resource.spec["provider"]);
    if (provider && provider !== "local" && provider !== "file" && !index.findWithFallback("StoreBackendProvider", ws.project, provider)) {
      out.push(diag(ws, "error", "spec.provider", `store backend provider '${provider}' not found in project '${ws.project}'`, "apply the StoreBackendProvider, or set backend: local"));
    }
  }
  return out;
}

function checkWorkflow(wf: CheckedResource, index: Index): Diagnostic[] {
  const out: Diagnostic[] = [];
  const effective = applyDefaults(wf.resource);
  const steps = asArr(effective.spec["steps"]);
  const { scope, agents } = index.agentsInScope(wf.project);
  steps.forEach((raw, i) => {
    const step = asObj(raw);
    if (!step) return;
    const base = `spec.steps[${i}]`;
    const isAgentStep = !step["builtin"] && !step["command"] && !step["chain_steps"];
    const cap = asStr(step["required_capability"]);
    if (isAgentStep && cap) {
      const capable = agents.filter((a) => capabilitiesOf(a.resource).includes(cap));
      if (!capable.some((a) => unschedulable(a.resource) === undefined)) {
        const names = agents.map((a) => a.resource.metadata.name);
        const passed = capable.map((a) => `${a.resource.metadata.name} has it but ${unschedulable(a.resource)}`);
        out.push(
          diag(
            wf,
            "error",
            `${base}.required_capability`,
            passed.length
              ? `no schedulable agent has capability '${cap}' in project '${scope}': ${passed.join(", ")}`
              : `no agent has capability '${cap}' in project '${scope}'` + (names.length ? ` (agents there: ${names.join(", ")})` : " (no agents there)"),
            passed.length ? "enable or uncordon one of them in its manifest, or apply another Agent with the capability" : `apply an Agent in project '${scope}' whose spec.capabilities lists '${cap}'`,
          ),
        );
      }
    }
    const template = asStr(step["template"]);
    if (template && !index.findWithFallback("StepTemplate", wf.project, template)) {
      out.push(diag(wf, "error", `${base}.template`, `step template '${template}' not found in project '${wf.project}'`, "apply the StepTemplate or fix the name"));
    }
    const profile = asStr(step["execution_profile"]);
    if (profile && !index.find("ExecutionProfile", wf.project, profile)) {
      out.push(diag(wf, "error", `${base}.execution_profile`, `execution profile '${profile}' not found in project '${wf.project}'`, "execution profiles are looked up in the workflow's own project"));
    }
    asArr(step["store_inputs"]).forEach((s, j) => {
      const store = asStr(asObj(s)?.["store"]);
      if (store && !index.findWithFallback("WorkflowStore", wf.project, store)) {
        out.push(diag(wf, "warning", `${base}.store_inputs[${j}].store`, `workflow store '${store}' not found in project '${wf.project}'`));
      }
    });
  });
  const adaptive = asObj(wf.resource.spec["adaptive"]);
  const planner = asStr(adaptive?.["planner_agent"]);
  if (adaptive?.["enabled"] === true && planner) {
    const agent = agents.find((a) => a.resource.metadata.name === planner);
    if (!agent) out.push(diag(wf, "error", "spec.adaptive.planner_agent", `planner agent '${planner}' not found in project '${scope}'`, "apply the Agent, or fix the name"));
    else if (!capabilitiesOf(agent.resource).includes("adaptive_plan")) {
      out.push(diag(wf, "error", "spec.adaptive.planner_agent", `planner agent '${planner}' lacks the capability adaptive_plan`, `add adaptive_plan to agent '${planner}' spec.capabilities`));
    }
  }
  for (const d of checkPrehookVariables(wf.resource)) {
    const withPos: Diagnostic = { ...d };
    if (!withPos.position && wf.file) withPos.position = { file: wf.file, line: wf.line ?? 1, column: 1 };
    out.push(withPos);
  }
  return out;
}

function checkTrigger(t: CheckedResource, index: Index): Diagnostic[] {
  const out: Diagnostic[] = [];
  const action = asObj(t.resource.spec["action"]);
  const wf = asStr(action?.["workflow"]);
  const ws = asStr(action?.["workspace"]);
  if (wf && !index.find("Workflow", t.project, wf)) out.push(diag(t, "error", "spec.action.workflow", `workflow '${wf}' not found in project '${t.project}'`));
  if (ws && !index.find("Workspace", t.project, ws)) out.push(diag(t, "error", "spec.action.workspace", `workspace '${ws}' not found in project '${t.project}'`));
  return out;
}

function storeData(r: CheckedResource): JsonObject {
  return asObj(r.resource.spec["data"]) ?? {};
}

function findStore(index: Index, project: string, name: string): CheckedResource | undefined {
  return index.findWithFallback("EnvStore", project, name) ?? index.findWithFallback("SecretStore", project, name);
}

/** A project's tasks run under one RuntimePolicy; two in a project leave no way to tell which. */
function checkRuntimePolicies(policies: readonly CheckedResource[]): Diagnostic[] {
  const byProject = new Map<string, CheckedResource[]>();
  for (const p of policies) byProject.set(p.project, [...(byProject.get(p.project) ?? []), p]);
  return [...byProject.values()]
    .filter((list) => list.length > 1)
    .flatMap((list) =>
      list.map((p) => diag(p, "error", "metadata.name", `project '${p.project}' has ${list.length} RuntimePolicies (${list.map((x) => x.resource.metadata.name).join(", ")}); a project has at most one, and its tasks fail to start until then`, "delete all but one")),
    );
}

/** The stores an Agent's or an ExecutionProfile's `env` names. */
function checkEnvRefs(a: CheckedResource, index: Index): Diagnostic[] {
  const out: Diagnostic[] = [];
  asArr(a.resource.spec["env"]).forEach((raw, i) => {
    const e = asObj(raw);
    if (!e) return;
    const fromRef = asStr(e["fromRef"]);
    if (fromRef && !findStore(index, a.project, fromRef)) {
      out.push(diag(a, "error", `spec.env[${i}].fromRef`, `env store '${fromRef}' not found (no EnvStore or SecretStore of that name in project '${a.project}')`));
    }
    const ref = asObj(e["refValue"]);
    if (ref) {
      const name = asStr(ref["name"]);
      const key = asStr(ref["key"]);
      const store = name ? findStore(index, a.project, name) : undefined;
      if (name && !store) out.push(diag(a, "error", `spec.env[${i}].refValue.name`, `store '${name}' not found in project '${a.project}'`));
      else if (store && key && !(key in storeData(store))) {
        out.push(diag(a, "error", `spec.env[${i}].refValue.key`, `store '${name}' has no key '${key}'`, `keys there: ${Object.keys(storeData(store)).join(", ") || "none"}`));
      }
    }
  });
  return out;
}
