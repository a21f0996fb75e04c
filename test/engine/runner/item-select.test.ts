import { describe, expect, it } from "vitest";
import { ItemSelectError, parseItemSelectConfig, selectItem, type ItemCandidate } from "../../../src/engine/runner/item-select.js";

const item = (id: string, vars: Record<string, string>): ItemCandidate => ({ id, vars });
const scored = [item("a", { score: "5.0" }), item("b", { score: "2" }), item("c", { score: "8\n" })];

describe("parseItemSelectConfig", () => {
  it("reads upstream's fields with their defaults", () => {
    expect(parseItemSelectConfig({ strategy: "min", metric_var: "error_count" })).toEqual({ strategy: "min", metricVar: "error_count", tieBreak: "first", topK: 1 });
    expect(
      parseItemSelectConfig({ strategy: "weighted", weights: { quality: 0.7, speed: 0.3 }, tie_break: "random", store_result: { namespace: "results", key: "winner" } }),
    ).toEqual({ strategy: "weighted", weights: { quality: 0.7, speed: 0.3 }, tieBreak: "random", topK: 1, storeResult: { namespace: "results", key: "winner" } });
  });

  it("reads the guide's metric_key and top_k", () => {
    expect(parseItemSelectConfig({ strategy: "max", metric_key: "quality_score", top_k: 3 })).toMatchObject({ metricVar: "quality_score", topK: 3 });
    expect(() => parseItemSelectConfig({ strategy: "max", metric_key: "a", metric_var: "b" })).toThrow(/metric_var and metric_key/);
    expect(() => parseItemSelectConfig({ strategy: "max", metric_var: "a", top_k: 0 })).toThrow(/top_k must be a whole number of at least 1/);
  });

  it("names the field and the fix when the config cannot work", () => {
    const where = "spec.steps[2].item_select_config";
    expect(() => parseItemSelectConfig(undefined, where)).toThrow(`${where} is missing`);
    expect(() => parseItemSelectConfig({ strategy: "best" }, where)).toThrow(`${where}.strategy must be one of min, max, threshold, weighted, not "best"`);
    expect(() => parseItemSelectConfig({ strategy: "max" }, where)).toThrow(`${where}.metric_var is required for strategy max`);
    expect(() => parseItemSelectConfig({ strategy: "threshold", metric_var: "s" }, where)).toThrow(`${where}.threshold is required`);
    expect(() => parseItemSelectConfig({ strategy: "weighted" }, where)).toThrow(`${where}.weights is required`);
    expect(() => parseItemSelectConfig({ strategy: "min", metric_var: "s", tie_break: "coin" }, where)).toThrow(ItemSelectError);
  });
});

describe("selectItem", () => {
  it("keeps the lowest or highest metric and eliminates the rest", () => {
    expect(selectItem(scored, parseItemSelectConfig({ strategy: "min", metric_var: "score" }))).toEqual({ winnerId: "b", keptIds: [], eliminatedIds: ["a", "c"], winnerVars: { score: "2" }, winnerScore: 2 });
    expect(selectItem(scored, parseItemSelectConfig({ strategy: "max", metric_var: "score" })).winnerId).toBe("c");
  });

  it("top_k keeps the best k, best first, and eliminates the rest", () => {
    const r = selectItem(scored, parseItemSelectConfig({ strategy: "max", metric_var: "score", top_k: 2 }));
    expect(r).toMatchObject({ winnerId: "c", keptIds: ["a"], eliminatedIds: ["b"] });
    expect(selectItem(scored, parseItemSelectConfig({ strategy: "max", metric_var: "score", top_k: 5 })).eliminatedIds).toEqual([]);
  });

  it("threshold keeps the first (or last) item at or above it", () => {
    const items = [item("a", { score: "3" }), item("b", { score: "7" }), item("c", { score: "9" })];
    expect(selectItem(items, parseItemSelectConfig({ strategy: "threshold", metric_var: "score", threshold: 5 })).winnerId).toBe("b");
    expect(selectItem(items, parseItemSelectConfig({ strategy: "threshold", metric_var: "score", threshold: 5, tie_break: "last" })).winnerId).toBe("c");
    expect(() => selectItem(items, parseItemSelectConfig({ strategy: "threshold", metric_var: "score", threshold: 10 }))).toThrow(/no item has 'score' at or above the threshold 10/);
  });

  it("weighted sums weight × variable (missing counts 0) and breaks exact ties by order", () => {
    const items = [item("a", { quality: "8.0", speed: "2.0" }), item("b", { quality: "5.0", speed: "9.0" }), item("c", { quality: "1" })];
    const config = parseItemSelectConfig({ strategy: "weighted", weights: { quality: 0.7, speed: 0.3 } });
    expect(selectItem(items, config).winnerId).toBe("a");
    expect(selectItem(items, { ...config, tieBreak: "last" }).winnerId).toBe("b");
  });

  it("lets a single item win without a metric, and refuses when no item has one", () => {
    expect(selectItem([item("only", {})], parseItemSelectConfig({ strategy: "min", metric_var: "score" }))).toEqual({ winnerId: "only", keptIds: [], eliminatedIds: [], winnerVars: {} });
    expect(() => selectItem([], parseItemSelectConfig({ strategy: "min", metric_var: "score" }))).toThrow(/no items to select from/);
    expect(() => selectItem([item("a", { score: "n/a" }), item("b", {})], parseItemSelectConfig({ strategy: "max", metric_var: "score" }))).toThrow(
      /no item has a numeric 'score'/,
    );
  });

  it("skips items whose metric is not a number", () => {
    expect(selectItem([item("a", { score: "x" }), item("b", { score: "4" })], parseItemSelectConfig({ strategy: "min", metric_var: "score" })).winnerId).toBe("b");
  });
});
