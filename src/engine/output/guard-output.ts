/**
 * @module The verdict of an agent-run guard step: `{"should_stop": true}` or
 * `{"continue": false}`, with an optional `reason`. Anything else continues.
 */
import type { GuardVerdict } from "../plan/loop.js";
import { isJsonObject, lastJsonValue } from "./json-extract.js";

export function parseGuardOutput(stdout: string): GuardVerdict {
  const v = lastJsonValue(stdout, (x) => isJsonObject(x) && ("should_stop" in x || "continue" in x));
  if (!isJsonObject(v)) return { stop: false, reason: "guard_output_unrecognised" };
  const stop = typeof v["should_stop"] === "boolean" ? v["should_stop"] : v["continue"] === false;
  return { stop, reason: typeof v["reason"] === "string" ? v["reason"] : "guard_json" };
}
