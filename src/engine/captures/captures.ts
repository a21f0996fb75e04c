/**
 * @module Captures: turning a finished step's result into pipeline variables
 * as its `behavior.captures` declare (`stdout`, `stderr`, `exit_code`,
 * `failed_flag`, `success_flag`, with an optional `json_path` into output).
 */
import type { JsonValue } from "../../resources/types.js";
import { lastJsonValue } from "../output/json-extract.js";
import type { CaptureSpec } from "../plan/types.js";
import { evaluateJsonPath, JsonPathError, parseJsonPath } from "./json-path.js";

/** What the runner observed of one step. */
export interface StepResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Overrides `exitCode === 0` (e.g. a timeout with exit 0 is no success). */
  success?: boolean;
}

export interface CaptureOutcome {
  /** Variables to merge into the pipeline (all values are strings). */
  vars: Record<string, string>;
  /** Flags set by `failed_flag` / `success_flag`, by variable name. */
  flags: Record<string, boolean>;
  /** Set when a capture reads `exit_code`. */
  exitCode?: number;
  /** Why a declared capture set nothing; for the step's log and events. */
  problems: string[];
}

/**
 * Applies each capture in order. A `json_path` capture reads the last JSON
 * value in the output in which the path exists; a string lands as is, any
 * other JSON value as its JSON text. A path that is found nowhere sets nothing.
 */
export function applyCaptures(captures: readonly CaptureSpec[], result: StepResult): CaptureOutcome {
  const outcome: CaptureOutcome = { vars: {}, flags: {}, problems: [] };
  const success = result.success ?? result.exitCode === 0;
  for (const cap of captures) {
    switch (cap.source) {
      case "exit_code":
        outcome.vars[cap.var] = String(result.exitCode);
        outcome.exitCode = result.exitCode;
        break;
      case "failed_flag":
        outcome.flags[cap.var] = !success;
        outcome.vars[cap.var] = String(!success);
        break;
      case "success_flag":
        outcome.flags[cap.var] = success;
        outcome.vars[cap.var] = String(success);
        break;
      case "stdout":
      case "stderr": {
        const text = cap.source === "stdout" ? result.stdout : result.stderr;
        if (cap.json_path === undefined) {
          outcome.vars[cap.var] = text;
          break;
        }
        const picked = pickJsonPath(text, cap.json_path);
        if (picked.ok) outcome.vars[cap.var] = typeof picked.value === "string" ? picked.value : JSON.stringify(picked.value);
        else outcome.problems.push(`capture '${cap.var}': ${picked.problem}`);
        break;
      }
    }
  }
  return outcome;
}

/** The value at `path` in the last JSON value of `text` that has it. */
export function pickJsonPath(text: string, path: string): { ok: true; value: JsonValue } | { ok: false; problem: string } {
  let segments;
  try {
    segments = parseJsonPath(path);
  } catch (err) {
    return { ok: false, problem: err instanceof JsonPathError ? err.message : String(err) };
  }
  let hit: { value: JsonValue } | undefined;
  lastJsonValue(text, (v) => {
    const r = evaluateJsonPath(v, segments);
    if (r.found) hit = { value: r.value };
    return r.found;
  });
  return hit ? { ok: true, value: hit.value } : { ok: false, problem: `no JSON value in the output has path '${path}'` };
}
