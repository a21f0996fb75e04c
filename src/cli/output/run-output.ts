/**
 * @module What a run's parsed output looks like in `task info -o json|yaml`
 * and `task trace --json`: the agent's `artifacts`, `confidence` and
 * `quality_score` (named as the agent reports them, and as the `run_result`
 * event carries them) and the variables its `captures` set, with the values
 * of the project's SecretStores replaced by `[REDACTED]` as in the step logs.
 */
import { redactText } from "../../engine/process/redact-stream.js";
import type { JsonObject, JsonValue } from "../../resources/types.js";
import type { RunRecord } from "../../store/task-store.js";

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The parsed output of a run that executed a command or an agent, or null
 * (a builtin step, a skipped step, a run with no result yet). The stored
 * record also keeps the stdout tail; that stays in the log.
 */
export function runOutputView(output: JsonObject | null): JsonObject | null {
  if (!output) return null;
  const agent = isObject(output["agent"]) ? output["agent"] : undefined;
  const captures = output["captures"];
  if (!agent && captures === undefined && output["artifacts"] === undefined) return null;
  const artifacts = Array.isArray(output["artifacts"]) ? output["artifacts"] : Array.isArray(agent?.["artifacts"]) ? agent["artifacts"] : [];
  const view: JsonObject = { artifacts: artifacts.filter(isObject) };
  if (typeof output["confidence"] === "number") view["confidence"] = output["confidence"];
  if (typeof output["quality_score"] === "number") view["quality_score"] = output["quality_score"];
  // Captures are stored as their whole outcome; the variables they set are what a person looks for.
  view["captures"] = isObject(captures) ? (isObject(captures["vars"]) ? captures["vars"] : captures) : {};
  const problems = captureProblemsOf(output);
  if (problems.length) view["capture_problems"] = problems;
  return view;
}

/** What a run's captures could not set (a `json_path` that found nothing), as recorded with its output. */
export function captureProblemsOf(output: JsonObject | null): string[] {
  const captures = output?.["captures"];
  const problems = isObject(captures) ? captures["problems"] : undefined;
  return Array.isArray(problems) ? problems.filter((p): p is string => typeof p === "string") : [];
}

/** Every string in a JSON value with the secrets replaced. */
export function redactJson(value: JsonValue, secrets: readonly string[]): JsonValue {
  if (secrets.length === 0) return value;
  if (typeof value === "string") return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, secrets));
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[redactText(k, secrets)] = redactJson(v, secrets);
    return out;
  }
  return value;
}

/**
 * Runs with their free text (parsed output, reason, command) redacted. The
 * engine redacts output as it streams; this also covers secrets added or
 * changed since the run recorded its output.
 */
export function redactRuns(runs: readonly RunRecord[], secrets: readonly string[]): RunRecord[] {
  if (secrets.length === 0) return [...runs];
  const text = (s: string | null): string | null => (s === null ? null : redactText(s, secrets));
  return runs.map((r) => ({
    ...r,
    output: r.output === null ? null : (redactJson(r.output, secrets) as JsonObject),
    reason: text(r.reason),
    command: text(r.command),
  }));
}
