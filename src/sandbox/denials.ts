/**
 * @module What the boundary refused a step, each with a stable reason code:
 * `sandbox_network_blocked`, `sandbox_write_denied`, `sandbox_limit_exceeded`.
 * Counted facts come first (the proxy's refusals, the kernel's OOM kills and
 * refused forks in the step's cgroup, SIGXCPU); what only shows in the
 * step's own error output (EROFS, ENETUNREACH, EMFILE) is read from it, as
 * best effort, and says so in its `source`. Pure.
 */
import { constants } from "node:os";
import type { CgroupCounters } from "./cgroup.js";
import type { EnforcementPlan } from "./enforcement.js";
import type { ProxyRefusal } from "./network-proxy.js";

export type DenialReason = "sandbox_network_blocked" | "sandbox_write_denied" | "sandbox_limit_exceeded";

export const DENIAL_REASONS: readonly DenialReason[] = ["sandbox_network_blocked", "sandbox_write_denied", "sandbox_limit_exceeded"];

export interface SandboxDenial {
  reasonCode: DenialReason;
  message: string;
  /** `proxy`, `cgroup`, `signal`: counted; `output`: read from the step's error output. */
  source: "proxy" | "cgroup" | "signal" | "output";
  /** `host:port` for a network refusal, when known. */
  target?: string;
  /** The path a write was refused for, when the output names it. */
  path?: string;
  /** For a limit: `memory`, `processes`, `cpu`, `open_files`. */
  limit?: "memory" | "processes" | "cpu" | "open_files";
  /** The line of output the denial was read from (bounded). */
  excerpt?: string;
  count?: number;
}

export interface StepEnd {
  exitCode: number;
  stdoutTail: string;
  stderrTail: string;
}

const EXCERPT = 200;

const WRITE = /read-only file system|\bEROFS\b/i;
const NETWORK = /network is unreachable|\bENETUNREACH\b|could not resolve host|temporary failure in name resolution|name or service not known|\bEAI_AGAIN\b|getaddrinfo|failed to connect to|couldn't connect to server|connection refused|\bECONNREFUSED\b|no address associated with hostname/i;
const OPEN_FILES = /too many open files|\bEMFILE\b/i;
const FORK = /cannot fork|resource temporarily unavailable|fork: retry|\bEAGAIN\b/i;
const MEMORY = /memoryerror|cannot allocate memory|out of memory|\bENOMEM\b|bad_alloc|heap out of memory/i;

function lines(end: StepEnd): string[] {
  return `${end.stderrTail}\n${end.stdoutTail}`.split("\n").map((l) => l.trim()).filter(Boolean);
}

const excerptOf = (line: string): string => (line.length > EXCERPT ? `${line.slice(0, EXCERPT - 1)}…` : line);

/** `touch: cannot touch '/x': Read-only ...`, `sh: 1: cannot create /x: Read-only ...`, `[Errno 30] Read-only file system: '/x'`. */
function writePath(line: string): string | undefined {
  const m = /cannot (?:touch|create|open|remove|mkdir|make directory|write to) ['‘"]?([^'’":]+)['’"]?:/i.exec(line) ?? /read-only file system: ['"]([^'"]+)['"]/i.exec(line) ?? /EROFS[^']*'([^']+)'/.exec(line);
  return m?.[1]?.trim();
}

/** `127.0.0.1 port 8080`, `127.0.0.1:8080`, `connect to example.com`. */
function networkTarget(line: string): string | undefined {
  const m = /(?:to|host)\s+([\w.-]+|\[[\da-f:]+\])\s+port\s+(\d+)/i.exec(line) ?? /\b((?:\d{1,3}\.){3}\d{1,3}|\[[\da-f:]+\]):(\d{1,5})\b/i.exec(line);
  if (m) return `${m[1]}:${m[2]}`;
  return /could not resolve host:?\s+([\w.-]+)/i.exec(line)?.[1];
}

export function classifyDenials(plan: EnforcementPlan, end: StepEnd, counters?: CgroupCounters, refusals: readonly ProxyRefusal[] = []): SandboxDenial[] {
  const profile = plan.profile;
  if (profile.mode !== "sandbox") return [];
  const out: SandboxDenial[] = [];
  const all = lines(end);
  const first = (re: RegExp): string | undefined => all.find((l) => re.test(l));

  for (const r of refusals) {
    out.push({ reasonCode: "sandbox_network_blocked", source: "proxy", target: r.target, count: r.count, message: `connection to ${r.target} refused: not in the network_allowlist of profile '${profile.name}'` });
  }
  if (profile.networkMode !== "inherit" && refusals.length === 0) {
    const line = first(NETWORK);
    if (line) {
      const target = networkTarget(line);
      out.push({ reasonCode: "sandbox_network_blocked", source: "output", excerpt: excerptOf(line), ...(target ? { target } : {}), message: `network access ${target ? `to ${target} ` : ""}blocked (network_mode: ${profile.networkMode})` });
    }
  }
  if (profile.fsMode !== "inherit") {
    const writes = all.filter((l) => WRITE.test(l));
    if (writes.length) {
      const path = writes.map(writePath).find((p) => p !== undefined);
      out.push({ reasonCode: "sandbox_write_denied", source: "output", excerpt: excerptOf(writes[0]!), count: writes.length, ...(path ? { path } : {}), message: `write ${path ? `to ${path} ` : ""}denied (fs_mode: ${profile.fsMode}${profile.fsMode === "workspace_rw_scoped" ? `, writable: ${profile.writablePaths.join(", ") || "none"}` : ""})` });
    }
  }

  const { memoryMb, processes, cpuSeconds, openFiles } = profile.limits;
  if (memoryMb !== undefined) {
    if (plan.memory === "cgroup" && counters && counters.oomKills > 0) {
      out.push({ reasonCode: "sandbox_limit_exceeded", source: "cgroup", limit: "memory", count: counters.oomKills, message: `memory limit of ${memoryMb} MB exceeded: ${counters.oomKills} process(es) killed` });
    } else if (plan.memory === "rlimit" || (plan.memory === "cgroup" && end.exitCode !== 0)) {
      const line = first(MEMORY);
      if (line) out.push({ reasonCode: "sandbox_limit_exceeded", source: "output", limit: "memory", excerpt: excerptOf(line), message: `memory limit of ${memoryMb} MB exceeded` });
    }
  }
  if (processes !== undefined) {
    if (plan.processes === "cgroup" && counters && counters.forksRefused > 0) {
      out.push({ reasonCode: "sandbox_limit_exceeded", source: "cgroup", limit: "processes", count: counters.forksRefused, message: `process limit of ${processes} reached: ${counters.forksRefused} fork(s) refused` });
    } else if (plan.processes === "rlimit") {
      const line = first(FORK);
      if (line) out.push({ reasonCode: "sandbox_limit_exceeded", source: "output", limit: "processes", excerpt: excerptOf(line), message: `process limit of ${processes} reached` });
    }
  }
  if (cpuSeconds !== undefined && end.exitCode === 128 + (constants.signals.SIGXCPU ?? 24)) {
    out.push({ reasonCode: "sandbox_limit_exceeded", source: "signal", limit: "cpu", message: `CPU limit of ${cpuSeconds} s exceeded (SIGXCPU)` });
  }
  if (openFiles !== undefined) {
    const line = first(OPEN_FILES);
    if (line) out.push({ reasonCode: "sandbox_limit_exceeded", source: "output", limit: "open_files", excerpt: excerptOf(line), message: `open-file limit of ${openFiles} reached` });
  }
  return out;
}
