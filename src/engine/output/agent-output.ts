/**
 * @module What an agent reports about its own work: `confidence`,
 * `quality_score` and `artifacts`, read from the JSON object it printed.
 * Plain text or broken JSON yields no scores; nothing here throws.
 */
import type { JsonObject } from "../../resources/types.js";
import { isJsonObject, lastJsonValue } from "./json-extract.js";

export interface AgentOutput {
  /** 0..1 when the agent said; feeds `qa_confidence` / `fix_confidence`. */
  confidence?: number;
  /** 0..1 when the agent said; feeds `qa_quality_score`. */
  qualityScore?: number;
  /** Objects from `artifacts` (`{kind: "ticket" | "analysis" | ..., ...}`); others are dropped. */
  artifacts: JsonObject[];
  /** The object the fields were read from, when one was found. */
  json?: JsonObject;
}

/**
 * Reads the agent's report from stdout: the whole output as JSON, else a
 * fenced ```json block, else the last JSON object in mixed text.
 */
export function parseAgentOutput(stdout: string): AgentOutput {
  const found = lastJsonValue(stdout, isJsonObject);
  if (!isJsonObject(found)) return { artifacts: [] };
  const out: AgentOutput = { artifacts: artifactsOf(found["artifacts"]), json: found };
  const confidence = score(found["confidence"]);
  if (confidence !== undefined) out.confidence = confidence;
  const quality = score(found["quality_score"]);
  if (quality !== undefined) out.qualityScore = quality;
  return out;
}

/** A finite number; numeric strings (`"0.9"`) count, as some agents quote them. */
function score(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function artifactsOf(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}
