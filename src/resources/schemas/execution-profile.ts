/**
 * @module ExecutionProfile spec: the boundary a step runs in (host or
 * sandbox), its file system and network modes, resource limits and its own
 * environment. Strict: an unknown field is an error, since a misspelt
 * `network_mode` left unread would run a step with the network it was
 * meant not to have. What the fields mean together is src/sandbox/profile.ts.
 */
import { profileProblems } from "../../sandbox/profile.js";
import { envIssues, envList } from "./env.js";
import { describe, object, oneOf, positiveInt, stringList, type KindSpec, type SpecIssue } from "./common.js";

function check(spec: Record<string, unknown>): SpecIssue[] {
  return [...profileProblems(spec).map((p): SpecIssue => ({ path: p.path, message: p.message, ...(p.hint ? { hint: p.hint } : {}), ...(p.severity ? { severity: p.severity } : {}) })), ...envIssues(spec["env"])];
}

export const executionProfile: KindSpec = {
  schema: object({
    mode: describe(oneOf("host", "sandbox"), "Run on the host, unconfined, or in a bubblewrap sandbox (default host); a host profile may set no other boundary field."),
    fs_mode: describe(
      oneOf("inherit", "workspace_readonly", "workspace_rw_scoped"),
      "inherit: the host tree as is; workspace_readonly: everything read-only; workspace_rw_scoped: everything read-only but writable_paths (both with a private /tmp). Default inherit.",
    ),
    writable_paths: describe(stringList, "With fs_mode: workspace_rw_scoped only: paths relative to the workspace root the step may write; absolute paths and .. are errors."),
    network_mode: describe(oneOf("inherit", "deny", "allowlist"), "inherit: the host network; deny: none at all (host loopback included); allowlist: only network_allowlist, through a proxy. Default inherit."),
    network_allowlist: describe(stringList, "With network_mode: allowlist only: host, host:port, an IP or [ipv6]:port, matched exactly."),
    max_memory_mb: describe(positiveInt, "Memory of the step's processes in MiB (cgroup; else address space per process)."),
    max_cpu_seconds: describe(positiveInt, "CPU time per process in seconds (SIGXCPU)."),
    max_processes: describe(positiveInt, "Processes and threads of the step (cgroup; else RLIMIT_NPROC, not for root)."),
    max_open_files: describe(positiveInt, "Open files per process."),
    env: describe(envList, "Environment for the step, in the Agent's env forms; set over the agent's own."),
  }, { description: "The boundary a step's process runs in, named by a step's execution_profile or run --profile. Every field is enforced, or the step fails without running; unknown fields are errors." }),
  check,
  strict: true,
};
