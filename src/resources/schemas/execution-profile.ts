/**
 * @module ExecutionProfile spec: the boundary an agent step runs in (host or
 * sandbox), its file system and network modes, and resource limits.
 */
import { object, oneOf, positiveInt, stringList, type KindSpec, type SpecIssue } from "./common.js";

function check(spec: Record<string, unknown>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const paths = spec["writable_paths"];
  if (Array.isArray(paths) && paths.length > 0 && (spec["fs_mode"] ?? "inherit") !== "workspace_rw_scoped") {
    issues.push({ path: ["writable_paths"], severity: "warning", message: "writable_paths only applies with fs_mode: workspace_rw_scoped", hint: "set fs_mode: workspace_rw_scoped or remove writable_paths" });
  }
  const allow = spec["network_allowlist"];
  if (Array.isArray(allow) && allow.length > 0 && spec["network_mode"] !== "allowlist") {
    issues.push({ path: ["network_allowlist"], severity: "warning", message: "network_allowlist only applies with network_mode: allowlist" });
  }
  return issues;
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
  }),
  check,
};
