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
 *   this engine, resolve as `first`), in item order;
 * - `top_k`: keep the best k items instead of one (the winner is the best);
 * - `metric_key`: the guide's name for `metric_var`;
 * - `store_result`: the winner is also written to workflow store
 *   `namespace` under `key` (the runner does the write).
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
  /** How many items to keep (default 1). */
  topK: number;
  /** Upstream's `store_result`: the workflow store and key the winner is written to. */
  storeResult?: { namespace: string; key: string };
}

export interface ItemCandidate {
  id: string;
  vars: Readonly<Record<string, string>>;
}

export interface ItemSelection {
  winnerId: string;
  /** Kept besides the winner (top_k > 1), best first. */
  keptIds: string[];
  eliminatedIds: string[];
  winnerVars: Record<string, string>;
  /** The winner's score (its metric, or its weighted sum), when it has one. */
  winnerScore?: number;
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
  const topK = obj["top_k"] ?? 1;
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1) throw new ItemSelectError(`${where}.top_k must be a whole number of at least 1`);
  const config: ItemSelectConfig = { strategy: strategy as ItemSelectStrategy, tieBreak: tie as TieBreak, topK };
  if (obj["metric_var"] !== undefined && obj["metric_key"] !== undefined && obj["metric_var"] !== obj["metric_key"]) {
    throw new ItemSelectError(`${where} sets metric_var and metric_key to different names; give one`);
  }
  const metric = obj["metric_var"] ?? obj["metric_key"];
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
  const ranked = items.length === 1 ? [{ i: 0, score: scoreOf(items[0]!, config) }] : ranking(items, config);
  const kept = ranked.slice(0, config.topK).map((r) => r.i);
  const winner = kept[0]!;
  const selection: ItemSelection = {
    winnerId: items[winner]!.id,
    keptIds: kept.slice(1).map((i) => items[i]!.id),
    eliminatedIds: items.filter((_, i) => !kept.includes(i)).map((it) => it.id),
    winnerVars: { ...items[winner]!.vars },
  };
  const score = ranked[0]!.score;
  if (score !== undefined) selection.winnerScore = score;
  return selection;
}

function scoreOf(item: ItemCandidate, config: ItemSelectConfig): number | undefined {
  if (config.strategy === "weighted") return Object.entries(config.weights ?? {}).reduce((sum, [name, w]) => sum + (numberOf(item.vars[name]) ?? 0) * w, 0);
  return numberOf(item.vars[config.metricVar ?? ""]);
}

/**
 * The items that can win, best first: by metric (min, max), by passing the
 * threshold (in item order), or by weighted sum. Ties keep item order,
 * reversed for `tie_break: last`.
 */
function ranking(items: readonly ItemCandidate[], config: ItemSelectConfig): Array<{ i: number; score: number | undefined }> {
  const metric = config.metricVar ?? "";
  const scored = items.map((it, i) => ({ i, score: scoreOf(it, config) }));
  const order = config.tieBreak === "last" ? (a: { i: number }, b: { i: number }) => b.i - a.i : (a: { i: number }, b: { i: number }) => a.i - b.i;
  switch (config.strategy) {
    case "min":
    case "max": {
      const withMetric = scored.filter((s): s is { i: number; score: number } => s.score !== undefined);
      if (withMetric.length === 0) throw new ItemSelectError(`item_select: no item has a numeric '${metric}'`);
      const sign = config.strategy === "min" ? 1 : -1;
      return withMetric.sort((a, b) => (near(a.score, b.score) ? order(a, b) : sign * (a.score - b.score)));
    }
    case "threshold": {
      const passing = scored.filter((s) => s.score !== undefined && s.score >= config.threshold!);
      if (passing.length === 0) throw new ItemSelectError(`item_select: no item has '${metric}' at or above the threshold ${config.threshold}`);
      return passing.sort(order);
    }
    case "weighted":
      return scored.sort((a, b) => (near(a.score!, b.score!) ? order(a, b) : b.score! - a.score!));
  }
}

/** Equal up to floating-point noise (0.7 * 8 + 0.3 * 2 ties 0.7 * 5 + 0.3 * 9). */
function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}
