/**
 * @module An ExecutionProfile's spec as the sandbox reads it: the mode, the
 * file-system and network modes, the writable paths, the network allowlist
 * and the resource limits, typed and checked. Pure; shared by validation,
 * `check` and the engine, so all three read a profile the same way.
 */
import { isAbsolute, normalize } from "node:path";

export type SandboxMode = "host" | "sandbox";
export type FsMode = "inherit" | "workspace_readonly" | "workspace_rw_scoped";
export type NetworkMode = "inherit" | "deny" | "allowlist";

/** One `network_allowlist` entry: an exact host name or IP, and a port or any port. */
export interface AllowEntry {
  /** Lower-case host name, or an IP address (IPv6 without brackets). */
  host: string;
  port?: number;
}

export interface ProfileLimits {
  memoryMb?: number;
  cpuSeconds?: number;
  processes?: number;
  openFiles?: number;
}

export interface ExecutionProfile {
  /** The profile's name; `host` for the implicit profile of a step that names none. */
  name: string;
  /** False for the implicit profile (no ExecutionProfile resource behind it). */
  declared: boolean;
  mode: SandboxMode;
  fsMode: FsMode;
  /** Relative to the workspace root, normalised, as written otherwise. */
  writablePaths: string[];
  networkMode: NetworkMode;
  allowlist: AllowEntry[];
  limits: ProfileLimits;
}

/** The boundary of a step that names no profile: the host, as is. */
export const IMPLICIT_HOST_PROFILE: ExecutionProfile = {
  name: "host",
  declared: false,
  mode: "host",
  fsMode: "inherit",
  writablePaths: [],
  networkMode: "inherit",
  allowlist: [],
  limits: {},
};

/** The spec's own shape mistakes, with the field they are about (below `spec`). */
export interface ProfileProblem {
  path: Array<string | number>;
  message: string;
  hint?: string;
  /** Errors by default: a profile that cannot mean what it says is refused. */
  severity?: "warning";
}

const LIMIT_FIELDS = [
  ["max_memory_mb", "memoryMb"],
  ["max_cpu_seconds", "cpuSeconds"],
  ["max_processes", "processes"],
  ["max_open_files", "openFiles"],
] as const;

export const LIMIT_FIELD_NAMES: readonly string[] = LIMIT_FIELDS.map(([f]) => f);

function str<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return typeof v === "string" && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
}

/**
 * The profile a spec describes (after defaults). Entries that do not parse
 * are left out here; `profileProblems` names them, and validation refuses
 * the manifest, so the engine never runs under a profile with one.
 */
export function profileFromSpec(name: string, spec: Record<string, unknown>): ExecutionProfile {
  const limits: ProfileLimits = {};
  for (const [field, key] of LIMIT_FIELDS) {
    const v = spec[field];
    if (typeof v === "number" && Number.isInteger(v) && v > 0) limits[key] = v;
  }
  return {
    name,
    declared: true,
    mode: str(spec["mode"], ["host", "sandbox"] as const, "host"),
    fsMode: str(spec["fs_mode"], ["inherit", "workspace_readonly", "workspace_rw_scoped"] as const, "inherit"),
    writablePaths: strings(spec["writable_paths"]).flatMap((p) => {
      const n = normaliseWritablePath(p);
      return typeof n === "string" ? [n] : [];
    }),
    networkMode: str(spec["network_mode"], ["inherit", "deny", "allowlist"] as const, "inherit"),
    allowlist: strings(spec["network_allowlist"]).flatMap((e) => {
      const parsed = parseAllowEntry(e);
      return "error" in parsed ? [] : [parsed];
    }),
    limits,
  };
}

/** A writable path relative to the workspace, normalised; or why it is refused. */
export function normaliseWritablePath(p: string): string | { error: string } {
  if (p.trim() === "") return { error: "is empty" };
  if (p.includes("\0")) return { error: "contains a NUL byte" };
  if (isAbsolute(p)) return { error: "is absolute; writable paths are relative to the workspace root" };
  const n = normalize(p).replace(/\/+$/, "");
  if (n === ".." || n.startsWith("../")) return { error: "leaves the workspace root" };
  return n === "" ? "." : n;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6 = /^[0-9a-f:.]+$/;

/**
 * `host`, `host:port`, `10.0.0.1`, `10.0.0.1:8080`, `[::1]`, `[::1]:8443`:
 * an exact host name or IP address with an optional port, as upstream
 * writes them. Wildcards and URLs are refused rather than guessed at.
 */
export function parseAllowEntry(text: string): AllowEntry | { error: string } {
  const t = text.trim().toLowerCase();
  if (t === "") return { error: "is empty" };
  if (t.includes("://") || t.includes("/")) return { error: "is a URL; write the host and an optional port (api.example.com:443)" };
  if (t.includes("*")) return { error: "has a wildcard; entries are exact host names or IP addresses" };
  let host: string;
  let portText: string | undefined;
  if (t.startsWith("[")) {
    const close = t.indexOf("]");
    if (close < 0) return { error: "opens an IPv6 address with [ but never closes it" };
    host = t.slice(1, close);
    const rest = t.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) return { error: "has text after the IPv6 address" };
    if (rest !== "") portText = rest.slice(1);
    if (!IPV6.test(host) || !host.includes(":")) return { error: `'${host}' is not an IPv6 address` };
  } else {
    const colons = t.split(":").length - 1;
    if (colons > 1) return { error: "looks like an IPv6 address: write it in brackets ([::1] or [::1]:8443)" };
    [host, portText] = colons === 1 ? (t.split(":") as [string, string]) : [t, undefined];
    if (!IPV4.test(host) && (!HOST_NAME.test(host) || /^[\d.]+$/.test(host))) return { error: `'${host}' is not a host name or IP address` };
    host = host.replace(/\.$/, "");
  }
  if (portText === undefined) return { host };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return { error: `port '${portText}' is not a number from 1 to 65535` };
  return { host, port: Number(portText) };
}

export function formatAllowEntry(e: AllowEntry): string {
  const host = e.host.includes(":") ? `[${e.host}]` : e.host;
  return e.port === undefined ? host : `${host}:${e.port}`;
}

/** True when a connection to host:port is on the list. Host names compare case-insensitively and exactly. */
export function allowlistPermits(list: readonly AllowEntry[], host: string, port: number): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  return list.some((e) => e.host === h && (e.port === undefined || e.port === port));
}

/**
 * What a spec asks for that cannot mean what it says: boundary fields on a
 * `host` profile (nothing would enforce them), writable paths without
 * `workspace_rw_scoped`, an allowlist without `network_mode: allowlist`,
 * paths that leave the workspace, entries that do not parse.
 */
export function profileProblems(spec: Record<string, unknown>): ProfileProblem[] {
  const out: ProfileProblem[] = [];
  const mode = spec["mode"] ?? "host";
  const fsMode = spec["fs_mode"] ?? "inherit";
  const networkMode = spec["network_mode"] ?? "inherit";
  if (mode === "host") {
    const asks: string[] = [];
    if (fsMode !== "inherit") asks.push(`fs_mode: ${String(fsMode)}`);
    if (networkMode !== "inherit") asks.push(`network_mode: ${String(networkMode)}`);
    for (const f of LIMIT_FIELD_NAMES) if (spec[f] !== undefined) asks.push(f);
    if (asks.length) {
      out.push({
        path: ["mode"],
        message: `a host profile runs steps unconfined, so ${asks.join(", ")} would not be enforced`,
        hint: "set mode: sandbox to enforce them, or remove them",
      });
    }
  }
  const paths = strings(spec["writable_paths"]);
  if (paths.length > 0 && fsMode !== "workspace_rw_scoped") {
    out.push({ path: ["writable_paths"], message: `writable_paths only applies with fs_mode: workspace_rw_scoped (this profile has fs_mode: ${String(fsMode)})`, hint: "set fs_mode: workspace_rw_scoped, or remove writable_paths" });
  }
  paths.forEach((p, i) => {
    const n = normaliseWritablePath(p);
    if (typeof n !== "string") out.push({ path: ["writable_paths", i], message: `writable path '${p}' ${n.error}`, hint: "write a path inside the workspace, relative to its root (src, docs/out)" });
  });
  const allow = strings(spec["network_allowlist"]);
  if (allow.length > 0 && networkMode !== "allowlist") {
    out.push({ path: ["network_allowlist"], message: `network_allowlist only applies with network_mode: allowlist (this profile has network_mode: ${String(networkMode)})`, hint: "set network_mode: allowlist, or remove network_allowlist" });
  }
  if (networkMode === "allowlist" && allow.length === 0) {
    out.push({ path: ["network_allowlist"], severity: "warning", message: "network_mode: allowlist with an empty network_allowlist allows nothing", hint: "list the hosts the step may reach, or use network_mode: deny" });
  }
  allow.forEach((e, i) => {
    const parsed = parseAllowEntry(e);
    if ("error" in parsed) out.push({ path: ["network_allowlist", i], message: `network_allowlist entry '${e}' ${parsed.error}`, hint: "write host, host:port, an IP address or [ipv6]:port" });
  });
  return out;
}
