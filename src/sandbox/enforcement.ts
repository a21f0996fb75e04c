/**
 * @module How this host enforces each field of a profile, or that it
 * cannot: the capability matrix applied to one profile and one host. Pure;
 * the engine fails a step whose profile has any unsupported field (reason
 * `unsupported_backend_feature`), and `check` prints the same table.
 */
import type { HostCapabilities } from "./host-probe.js";
import { formatAllowEntry, type ExecutionProfile } from "./profile.js";

/** How a limit is held: a cgroup for the whole step, or an rlimit per process. */
export type LimitMechanism = "cgroup" | "rlimit";

export interface FieldEnforcement {
  /** The manifest field: `mode`, `fs_mode`, `max_memory_mb`, ... */
  field: string;
  value: string;
  enforced: boolean;
  /** How, when enforced; why not, when not. */
  detail: string;
}

export interface EnforcementPlan {
  profile: ExecutionProfile;
  fields: FieldEnforcement[];
  /** Fields this host cannot enforce; the step must not run when any are. */
  unsupported: FieldEnforcement[];
  memory?: LimitMechanism;
  processes?: LimitMechanism;
}

export const UNSUPPORTED_BACKEND_FEATURE = "unsupported_backend_feature";

export function planEnforcement(profile: ExecutionProfile, caps: HostCapabilities): EnforcementPlan {
  const fields: FieldEnforcement[] = [];
  const plan: EnforcementPlan = { profile, fields, unsupported: [] };
  const add = (field: string, value: string | number, enforced: boolean, detail: string): void => {
    const f = { field, value: String(value), enforced, detail };
    fields.push(f);
    if (!enforced) plan.unsupported.push(f);
  };
  if (profile.mode === "host") {
    add("mode", "host", true, "runs on the host, unconfined");
    return plan;
  }
  const bwrap = caps.bwrap.usable;
  const noBwrap = caps.bwrap.problem ?? "bubblewrap is not usable";
  add("mode", "sandbox", bwrap, bwrap ? `bubblewrap (${caps.bwrap.path}): own user, mount, pid, ipc and uts namespaces, no capabilities; the store's key hidden` : noBwrap);

  const fsDetail: Record<ExecutionProfile["fsMode"], string> = {
    inherit: "host file system, writable as for the controller",
    workspace_readonly: "every path read-only, the workspace included; private /tmp",
    workspace_rw_scoped: "every path read-only except writable_paths; private /tmp",
  };
  add("fs_mode", profile.fsMode, bwrap, bwrap ? fsDetail[profile.fsMode] : noBwrap);
  if (profile.fsMode === "workspace_rw_scoped") {
    add("writable_paths", profile.writablePaths.join(", ") || "(none)", bwrap, bwrap ? "bound writable inside the read-only tree (missing directories are made first)" : noBwrap);
  }

  const netDetail: Record<ExecutionProfile["networkMode"], string> = {
    inherit: "host network",
    deny: "own network namespace with only its own loopback: no host, LAN or internet address is reachable, 127.0.0.1 of the host included; /run and /tmp private, so host unix sockets are out of reach",
    allowlist: "own network namespace; HTTP and HTTPS through a filtering proxy (HTTP_PROXY/HTTPS_PROXY) that admits only the listed hosts; any other connection fails",
  };
  add("network_mode", profile.networkMode, bwrap, bwrap ? netDetail[profile.networkMode] : noBwrap);
  if (profile.networkMode === "allowlist") {
    add("network_allowlist", profile.allowlist.map(formatAllowEntry).join(", ") || "(none)", bwrap, bwrap ? "exact host (or IP) and port match at the proxy" : noBwrap);
  }

  const { memoryMb, processes, cpuSeconds, openFiles } = profile.limits;
  const prlimit = caps.prlimit;
  if (memoryMb !== undefined) {
    if (caps.cgroup.memory) {
      plan.memory = "cgroup";
      add("max_memory_mb", memoryMb, bwrap, bwrap ? `cgroup v${caps.cgroup.memory.version} memory limit on the whole step (swap included); the kernel's OOM killer ends it` : noBwrap);
    } else if (prlimit) {
      plan.memory = "rlimit";
      add("max_memory_mb", memoryMb, bwrap, bwrap ? `RLIMIT_AS (address space) per process via prlimit; no memory cgroup here (${caps.cgroup.problem ?? "none found"})` : noBwrap);
    } else {
      add("max_memory_mb", memoryMb, false, `neither a memory cgroup (${caps.cgroup.problem ?? "none found"}) nor prlimit is available`);
    }
  }
  if (processes !== undefined) {
    if (caps.cgroup.pids) {
      plan.processes = "cgroup";
      add("max_processes", processes, bwrap, bwrap ? `cgroup v${caps.cgroup.pids.version} pids.max on the whole step (threads count)` : noBwrap);
    } else if (prlimit && !caps.root) {
      plan.processes = "rlimit";
      add("max_processes", processes, bwrap, bwrap ? "RLIMIT_NPROC via prlimit, counted in the sandbox's user namespace (threads count)" : noBwrap);
    } else {
      const why = caps.root ? "RLIMIT_NPROC does not bind root" : "prlimit is not installed";
      add("max_processes", processes, false, `no pids cgroup (${caps.cgroup.problem ?? "none found"}) and ${why}`);
    }
  }
  if (cpuSeconds !== undefined) {
    add("max_cpu_seconds", cpuSeconds, bwrap && !!prlimit, !bwrap ? noBwrap : prlimit ? "RLIMIT_CPU per process via prlimit: SIGXCPU at the limit, SIGKILL a second later" : "prlimit (util-linux) is not installed");
  }
  if (openFiles !== undefined) {
    add("max_open_files", openFiles, bwrap && !!prlimit, !bwrap ? noBwrap : prlimit ? "RLIMIT_NOFILE per process via prlimit" : "prlimit (util-linux) is not installed");
  }
  return plan;
}

/** The one-line reason a step fails with when its profile asks for what this host cannot do. */
export function unsupportedMessage(plan: EnforcementPlan): string {
  // Fields failing for the same reason (no bubblewrap fails them all) are named together.
  const byDetail = new Map<string, string[]>();
  for (const f of plan.unsupported) byDetail.set(f.detail, [...(byDetail.get(f.detail) ?? []), f.field]);
  const parts = [...byDetail].map(([detail, names]) => `${names.join(", ")}: ${detail}`);
  return `${UNSUPPORTED_BACKEND_FEATURE}: profile '${plan.profile.name}' cannot be enforced on this host, so the step did not run (${parts.join("; ")})`;
}
