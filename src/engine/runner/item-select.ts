/**
 * @module The `item_select` builtin: after an item segment, keep one item
 * and eliminate the rest, by the pipeline variables the items captured, as
 * upstream's `item_select_config` says:
 *
 * - `min` / `max`: the item whose `metric_var` is lowest / highest;
 * - `threshold`: the items whose `metric_var` is at least `threshold`, then
 *   the tie-break among them;
 * - `weighted`: the highest sum of `weights[var] * var` (a missing or
 *   non-numeric variable counts 0);
 * - `tie_break`: `first` (default), `last`, or `random` (which upstream, and
 *   this engine, resolve as `first`), in item order.
 *
 * Items without a numeric `metric_var` cannot win `min`/`max`/`threshold`. A
 * single item always wins. Pure functions: the runner applies the result.
 */
import type { JsonObject, JsonValue } from "../../resources/types.js";

export type ItemSelectStrategy = "min" | "max" | "threshold" | "weighted";
export type TieBreak = "first" | "last" | "random";

export interface ItemSelectConfig {
  strategy: ItemSelectStrategy;
  metricVar?: string;
  weights?: Readonly<Record<string, number>>;
  threshold?: number;
  tieBreak: TieBreak;
  /** Upstream's `store_result` (a workflow store key); accepted, not written yet. */
  storeResult?: { namespace: string; key: string };
}

export interface ItemCandidate {
  id: string;
  vars: Readonly<Record<string, string>>;
}

export interface ItemSelection {
  winnerId: string;
  eliminatedIds: string[];
  winnerVars: Record<string, string>;
}

export class ItemSelectError extends Error {
  override name = "ItemSelectError";
}

const STRATEGIES: readonly ItemSelectStrategy[] = ["min", "max", "threshold", "weighted"];
const TIE_BREAKS: readonly TieBreak[] = ["first", "last", "random"];

/** Reads `item_select_config`; `where` names it in errors (e.g. `spec.steps[3].item_select_config`). */
export function parseItemSelectConfig(raw: JsonValue | undefined, where = "item_select_config"): ItemSelectConfig {
  if (raw === undefined || raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ItemSelectError(`${where} is missing; an item_select step needs item_select_config with a strategy (${STRATEGIES.join(", ")})`);
  }
  const obj = raw as JsonObject;
  const strategy = obj["strategy"];
  if (typeof strategy !== "string" || !STRATEGIES.includes(strategy as ItemSelectStrategy)) {
    throw new ItemSelectError(`${where}.strategy must be one of ${STRATEGIES.join(", ")}${strategy === undefined ? "" : `, not ${JSON.stringify(strategy)}`}`);
  }
  const tie = obj["tie_break"] ?? "first";
  if (typeof tie !== "string" || !TIE_BREAKS.includes(tie as TieBreak)) {
    throw new ItemSelectError(`${where}.tie_break must be one of ${TIE_BREAKS.join(", ")}, not ${JSON.stringify(tie)}`);
  }
  const config: ItemSelectConfig = { strategy: strategy as ItemSelectStrategy, tieBreak: tie as TieBreak };
  const metric = obj["metric_var"];
  if (metric !== undefined) {
    if (typeof metric !== "string" || metric === "") throw new ItemSelectError(`${where}.metric_var must be a variable name`);
    config.metricVar = metric;
  }
  const threshold = obj["threshold"];
  if (threshold !== undefined) {
    if (typeof threshold !== "number") throw new ItemSelectError(`${where}.threshold must be a number`);
    config.threshold = threshold;
  }
  const weights = obj["weights"];
  if (weights !== undefined) {
    if (weights === null || typeof weights !== "object" || Array.isArray(weights)) throw new ItemSelectError(`${where}.weights must map variable names to numbers`);
    const w: Record<string, number> = {};
    for (const [k, v] of Object.entries(weights)) {
      if (typeof v !== "number") throw new ItemSelectError(`${where}.weights.${k} must be a number`);
      w[k] = v;
    }
    config.weights = w;
  }
  const store = obj["store_result"];
  if (store && typeof store === "object" && !Array.isArray(store) && typeof store["namespace"] === "string" && typeof store["key"] === "string") {
    config.storeResult = { namespace: store["namespace"], key: store["key"] };
  }
  if (config.strategy !== "weighted" && config.metricVar === undefined) throw new ItemSelectError(`${where}.metric_var is required for strategy ${config.strategy}`);
  if (config.strategy === "threshold" && config.threshold === undefined) throw new ItemSelectError(`${where}.threshold is required for strategy threshold`);
  if (config.strategy === "weighted" && (config.weights === undefined || Object.keys(config.weights).length === 0)) {
    throw new ItemSelectError(`${where}.weights is required for strategy weighted`);
  }
  return config;
}

/** A pipeline value as a number, or undefined (pipeline values are text). */
function numberOf(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : undefined;
}

export function selectItem(items: readonly ItemCandidate[], config: ItemSelectConfig): ItemSelection {
  if (items.length === 0) throw new ItemSelectError("item_select: no items to select from");
  const winner = items.length === 1 ? 0 : winnerIndex(items, config);
  return {
    winnerId: items[winner]!.id,
    eliminatedIds: items.filter((_, i) => i !== winner).map((i) => i.id),
    winnerVars: { ...items[winner]!.vars },
  };
}

function winnerIndex(items: readonly ItemCandidate[], config: ItemSelectConfig): number {
  const metric = config.metricVar ?? "";
  switch (config.strategy) {
    case "min":
    case "max": {
      const scored = items.map((it, i) => ({ i, v: numberOf(it.vars[metric]) })).filter((s): s is { i: number; v: number } => s.v !== undefined);
      if (scored.length === 0) throw new ItemSelectError(`item_select: no item has a numeric '${metric}'`);
      const best = config.strategy === "min" ? Math.min(...scored.map((s) => s.v)) : Math.max(...scored.map((s) => s.v));
      return breakTie(scored.filter((s) => near(s.v, best)).map((s) => s.i), config.tieBreak);
    }
    case "threshold": {
      const passing = items.map((it, i) => ({ i, v: numberOf(it.vars[metric]) })).filter((s) => s.v !== undefined && s.v >= config.threshold!);
      if (passing.length === 0) throw new ItemSelectError(`item_select: no item has '${metric}' at or above the threshold ${config.threshold}`);
      return breakTie(passing.map((s) => s.i), config.tieBreak);
    }
    case "weighted": {
      const weights = Object.entries(config.weights ?? {});
      const scores = items.map((it) => weights.reduce((sum, [name, w]) => sum + (numberOf(it.vars[name]) ?? 0) * w, 0));
      const best = Math.max(...scores);
      return breakTie(scores.flatMap((s, i) => (near(s, best) ? [i] : [])), config.tieBreak);
    }
  }
}

/** Equal up to floating-point noise (0.7 * 8 + 0.3 * 2 ties 0.7 * 5 + 0.3 * 9). */
function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function breakTie(candidates: readonly number[], tie: TieBreak): number {
  return tie === "last" ? candidates[candidates.length - 1]! : candidates[0]!;
}
