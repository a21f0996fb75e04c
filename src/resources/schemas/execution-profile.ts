/**
 * @module ExecutionProfile spec: the boundary a step runs in (host or
 * sandbox), its file system and network modes, resource limits and its own
 * environment. Strict: an unknown field is an error, since a misspelt
 * `network_mode` left unread would run a step with the network it was
 * meant not to have. What the fields mean together is src/sandbox/profile.ts.
 */
import { profileProblems } from "../../sandbox/profile.js";
import { envIssues, envList } from "./env.js";
import { object, oneOf, positiveInt, stringList, type KindSpec, type SpecIssue } from "./common.js";

function check(spec: Record<string, unknown>): SpecIssue[] {
  return [...profileProblems(spec).map((p): SpecIssue => ({ path: p.path, message: p.message, ...(p.hint ? { hint: p.hint } : {}), ...(p.severity ? { severity: p.severity } : {}) })), ...envIssues(spec["env"])];
}

export const executionProfile: KindSpec = {
  schema: object({
    mode: oneOf("host", "sandbox"),
    fs_mode: oneOf("inherit", "workspace_readonly", "workspace_rw_scoped"),
    writable_paths: stringList,
    network_mode: oneOf("inherit", "deny", "allowlist"),
    network_allowlist: stringList,
    max_memory_mb: positiveInt,
    max_cpu_seconds: positiveInt,
    max_processes: positiveInt,
    max_open_files: positiveInt,
    env: envList,
  }),
  check,
  strict: true,
};
