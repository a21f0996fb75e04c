/**
 * @module `--set key=value` flags as pipeline variables.
 */
import { UsageError } from "./errors.js";

export function parseSetVars(pairs: readonly string[] | undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const p of pairs ?? []) {
    const i = p.indexOf("=");
    if (i < 0) throw new UsageError(`--set '${p}' has no '='; write --set key=value`);
    const key = p.slice(0, i).trim();
    if (!key) throw new UsageError(`--set '${p}' has an empty key; write --set key=value`);
    vars[key] = p.slice(i + 1);
  }
  return vars;
}
