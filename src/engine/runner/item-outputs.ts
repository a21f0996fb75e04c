/**
 * @module The fields an item's steps printed as JSON in a cycle (the top
 * level of the last JSON object each step printed, later steps winning), as
 * text. `item_select` falls back on them for a metric no pipeline variable
 * names, so `{"quality_score": 0.9}` from an agent can be compared without a
 * capture for it.
 */
import type { RunRecord } from "../../store/task-store.js";
import { isJsonObject, lastJsonValue } from "../output/json-extract.js";
import { textOfValue } from "../stores/store-values.js";

export function itemOutputFields(runs: readonly RunRecord[], itemId: string, cycle: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of runs) {
    if (r.itemId !== itemId || r.cycle !== cycle || r.status !== "succeeded") continue;
    const tail = r.output?.["stdout_tail"];
    if (typeof tail !== "string") continue;
    const json = lastJsonValue(tail, isJsonObject);
    if (!isJsonObject(json)) continue;
    for (const [k, v] of Object.entries(json)) if (v !== null && typeof v !== "object") out[k] = textOfValue(v);
  }
  return out;
}
