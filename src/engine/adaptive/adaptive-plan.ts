/**
 * @module Adaptive planning (`spec.adaptive`): before each cycle the
 * workflow's planner agent (capability `adaptive_plan`) prints the steps to
 * run, as upstream's dynamic plan: `{entry, nodes: {id: {step_type,
 * repeatable, template, prehook}}, edges: [{from, to, condition}]}`. The
 * nodes run in the order the edges give from `entry` (nodes no edge reaches
 * follow in the order written); an edge's `condition` gates the node it
 * leads to like a prehook. A plan that cannot be read falls back to the
 * workflow's own steps (`fallback_mode: soft_fallback`, the default) or
 * fails the task (`fail_closed`). Pure: the runner runs the planner.
 */
import type { JsonObject, JsonValue } from "../../resources/types.js";
import { isJsonObject, lastJsonValue } from "../output/json-extract.js";
import { planStep, PlanError } from "../plan/build.js";
import type { PlannedStep, StepSpec } from "../plan/types.js";

export interface AdaptiveConfig {
  plannerAgent: string;
  fallback: "soft_fallback" | "fail_closed";
}

export class AdaptivePlanError extends Error {
  override name = "AdaptivePlanError";
}

/** Most nodes a plan may have. */
const MAX_NODES = 50;

const str = (v: JsonValue | undefined): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

export function adaptiveConfigOf(raw: JsonValue | undefined): AdaptiveConfig | undefined {
  if (!isJsonObject(raw) || raw["enabled"] !== true) return undefined;
  return { plannerAgent: str(raw["planner_agent"]) ?? "", fallback: raw["fallback_mode"] === "fail_closed" ? "fail_closed" : "soft_fallback" };
}

interface Node {
  id: string;
  spec: StepSpec;
}

/** The steps the planner's output describes, in run order; throws AdaptivePlanError when it cannot be read. */
export function stepsFromPlan(output: string): PlannedStep[] {
  const plan = lastJsonValue(output, (v) => isJsonObject(v) && v["nodes"] !== undefined);
  if (!isJsonObject(plan)) throw new AdaptivePlanError("the planner printed no JSON object with nodes");
  const nodes = nodesOf(plan["nodes"]);
  if (nodes.length === 0) throw new AdaptivePlanError("the plan has no nodes");
  if (nodes.length > MAX_NODES) throw new AdaptivePlanError(`the plan has ${nodes.length} nodes, more than ${MAX_NODES}`);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges = Array.isArray(plan["edges"]) ? plan["edges"] : [];
  const next = new Map<string, string[]>();
  for (const [i, e] of edges.entries()) {
    if (!isJsonObject(e)) throw new AdaptivePlanError(`edge ${i} is not an object`);
    const from = str(e["from"]);
    const to = str(e["to"]);
    if (!from || !to || !byId.has(from) || !byId.has(to)) throw new AdaptivePlanError(`edge ${i} (${from ?? "?"} -> ${to ?? "?"}) names a node the plan does not have`);
    next.set(from, [...(next.get(from) ?? []), to]);
    const condition = str(e["condition"]);
    if (condition) {
      const target = byId.get(to)!;
      const prior = target.spec.prehook?.when;
      target.spec.prehook = { engine: "cel", when: prior ? `(${prior}) && (${condition})` : condition, reason: `adaptive plan: edge ${from} -> ${to} condition is false` };
    }
  }
  const entry = str(plan["entry"]) ?? nodes[0]!.id;
  if (!byId.has(entry)) throw new AdaptivePlanError(`entry '${entry}' is not a node of the plan`);
  const order = walk(entry, next, byId.size);
  for (const n of nodes) if (!order.includes(n.id)) order.push(n.id);
  return order.map((id, index) => {
    try {
      return planStep(byId.get(id)!.spec, index);
    } catch (err) {
      if (err instanceof PlanError) throw new AdaptivePlanError(`node '${id}': ${err.message}`);
      throw err;
    }
  });
}

function nodesOf(raw: JsonValue | undefined): Node[] {
  const list: Array<[string | undefined, JsonValue]> = Array.isArray(raw) ? raw.map((n) => [undefined, n]) : isJsonObject(raw) ? Object.entries(raw) : [];
  const seen = new Set<string>();
  return list.map(([key, n], i) => {
    if (!isJsonObject(n)) throw new AdaptivePlanError(`node ${key ?? i} is not an object`);
    const id = str(n["id"]) ?? key;
    if (!id) throw new AdaptivePlanError(`node ${i} has no id`);
    if (seen.has(id)) throw new AdaptivePlanError(`node '${id}' is given twice`);
    seen.add(id);
    const type = str(n["step_type"]) ?? str(n["type"]);
    if (!type) throw new AdaptivePlanError(`node '${id}' has no step_type`);
    return { id, spec: nodeSpec(id, type, n) };
  });
}

function nodeSpec(id: string, type: string, n: JsonObject): StepSpec {
  const spec: StepSpec = { id, type, repeatable: n["repeatable"] !== false };
  const template = str(n["template"]);
  if (template) spec.template = template;
  const capability = str(n["required_capability"]);
  if (capability) spec.required_capability = capability;
  if (n["is_guard"] === true) spec.is_guard = true;
  const prehook = isJsonObject(n["prehook"]) ? n["prehook"] : undefined;
  const when = prehook ? (str(prehook["when"]) ?? str(prehook["expression"])) : undefined;
  if (when) spec.prehook = { engine: "cel", when, ...(str(prehook?.["reason"]) ? { reason: str(prehook?.["reason"])! } : {}) };
  return spec;
}

/** Breadth-first from the entry; an edge back to a node already placed is a cycle, which a plan may not have. */
function walk(entry: string, next: ReadonlyMap<string, string[]>, size: number): string[] {
  const order: string[] = [];
  const queue = [entry];
  const placed = new Set<string>();
  while (queue.length) {
    const id = queue.shift()!;
    if (placed.has(id)) continue;
    placed.add(id);
    order.push(id);
    for (const to of next.get(id) ?? []) {
      if (placed.has(to) && reaches(to, id, next)) throw new AdaptivePlanError(`the plan has a cycle through '${to}'`);
      queue.push(to);
    }
    if (order.length > size) break;
  }
  return order;
}

function reaches(from: string, to: string, next: ReadonlyMap<string, string[]>): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}

/** What the planner is asked: the goal, the cycle, the workflow's own steps and how the last cycle went. */
export function plannerPrompt(input: { goal: string; cycle: number; workflow: string; staticSteps: readonly PlannedStep[]; lastCycle: readonly string[] }): string {
  return [
    `You plan cycle ${input.cycle} of workflow '${input.workflow}'. Goal: ${input.goal || "(none given)"}.`,
    `The workflow's own steps: ${input.staticSteps.map((s) => `${s.id} (${s.type}, ${s.scope})`).join(", ")}.`,
    input.lastCycle.length ? `Last cycle: ${input.lastCycle.join("; ")}.` : "This is the first cycle.",
    'Answer with JSON only: {"entry": "<node id>", "nodes": {"<id>": {"id": "<id>", "step_type": "<step type>", "repeatable": true}}, "edges": [{"from": "<id>", "to": "<id>", "condition": "<optional CEL>"}]}',
  ].join("\n");
}
