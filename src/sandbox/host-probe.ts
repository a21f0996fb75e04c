/**
 * @module What this host can enforce: a working bubblewrap (it needs user
 * namespaces), `prlimit` for per-process limits, and cgroups in which the
 * engine may make a group per step for memory and process limits. Probed by
 * trying, not by guessing: bubblewrap is run once, a cgroup is made and
 * removed. Results are kept for a short while, so a controller notices a
 * package installed while it runs. The engine probes without blocking
 * (`probeHostAsync`), and starts as soon as a task that needs a sandbox is
 * loaded (`warmHostProbe`), so the probe overlaps the task's start.
 *
 * `ORCHESTRATOR_BWRAP` names the bubblewrap binary (a path or a name looked
 * up on PATH; default `bwrap`). `ORCHESTRATOR_SANDBOX_CGROUP` names a cgroup
 * v2 directory delegated to the engine, or `none` to use no cgroups at all.
 */
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

export const BWRAP_ENV = "ORCHESTRATOR_BWRAP";
export const CGROUP_ENV = "ORCHESTRATOR_SANDBOX_CGROUP";

export type CgroupResource = "memory" | "pids";

/** Where per-step cgroups of one controller are made. */
export interface CgroupController {
  version: 1 | 2;
  /** Directory under which the engine makes one cgroup per step. */
  parent: string;
}

export interface HostCapabilities {
  platform: NodeJS.Platform;
  /** Running as uid 0: RLIMIT_NPROC does not bind root, so process limits need a cgroup. */
  root: boolean;
  bwrap: { path: string; usable: boolean; problem?: string };
  /** Absolute path of `prlimit`, when found. */
  prlimit?: string;
  cgroup: Partial<Record<CgroupResource, CgroupController>> & { problem?: string };
  /** The Node.js binary, for the in-sandbox network bridge. */
  node: string;
}

const TTL_MS = 30_000;
let cached: { key: string; at: number; value: HostCapabilities } | undefined;
/** A probe under way (async), shared by every step that asks meanwhile. */
let pending: { key: string; value: Promise<HostCapabilities> } | undefined;

const keyOf = (env: NodeJS.ProcessEnv): string => `${env[BWRAP_ENV] ?? ""}\0${env[CGROUP_ENV] ?? ""}\0${env["PATH"] ?? ""}`;

function fresh(key: string): HostCapabilities | undefined {
  return cached && cached.key === key && Date.now() - cached.at < TTL_MS ? cached.value : undefined;
}

/** The capabilities of this host (cached for 30 s per configuration). Blocks while bubblewrap runs: for `check`. */
export function probeHost(env: NodeJS.ProcessEnv = process.env): HostCapabilities {
  const key = keyOf(env);
  const hit = fresh(key);
  if (hit) return hit;
  const value = capabilities(env, probeBwrapSync(env));
  cached = { key, at: Date.now(), value };
  return value;
}

/** As probeHost, without blocking the event loop while bubblewrap runs; concurrent callers share one probe. */
export function probeHostAsync(env: NodeJS.ProcessEnv = process.env): Promise<HostCapabilities> {
  const key = keyOf(env);
  const hit = fresh(key);
  if (hit) return Promise.resolve(hit);
  if (pending?.key === key) return pending.value;
  const value = probeBwrapAsync(env).then((bwrap) => {
    const caps = capabilities(env, bwrap);
    cached = { key, at: Date.now(), value: caps };
    return caps;
  });
  const entry = { key, value };
  pending = entry;
  const done = (): void => {
    if (pending === entry) pending = undefined;
  };
  value.then(done, done);
  return value;
}

/** Starts the probe now, so a sandboxed step about to open finds it done or under way. */
export function warmHostProbe(env: NodeJS.ProcessEnv = process.env): void {
  probeHostAsync(env).catch(() => undefined);
}

/** Forgets the cached probe (tests; `check` after an install). */
export function forgetHostProbe(): void {
  cached = undefined;
  pending = undefined;
}

function capabilities(env: NodeJS.ProcessEnv, bwrap: HostCapabilities["bwrap"]): HostCapabilities {
  const caps: HostCapabilities = {
    platform: process.platform,
    root: typeof process.getuid === "function" && process.getuid() === 0,
    bwrap,
    cgroup: process.platform === "linux" ? probeCgroups(env) : { problem: `cgroups exist only on Linux (this is ${process.platform})` },
    node: process.execPath,
  };
  const prlimit = findExecutable("prlimit", env);
  if (prlimit) caps.prlimit = prlimit;
  return caps;
}

/** A name is looked up on PATH; a path is taken as is. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = name.includes("/") ? [name] : (env["PATH"] ?? "").split(delimiter).filter(Boolean).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Where bubblewrap is, or why it cannot be used without running it. */
function locateBwrap(env: NodeJS.ProcessEnv): { path: string } | HostCapabilities["bwrap"] {
  const wanted = env[BWRAP_ENV] || "bwrap";
  if (process.platform !== "linux") return { path: wanted, usable: false, problem: `bubblewrap runs only on Linux (this is ${process.platform})` };
  const path = findExecutable(wanted, env);
  if (!path) {
    const where = isAbsolute(wanted) || wanted.includes("/") ? wanted : `'${wanted}' on PATH`;
    return { path: wanted, usable: false, problem: `bubblewrap not found (${where}); install the bubblewrap package` };
  }
  return { path };
}

// The namespaces and mounts every sandboxed step uses; a host without user namespaces fails here.
const PROBE_ARGS = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent", "--cap-drop", "ALL", "--", "/bin/true"];
const PROBE_TIMEOUT_MS = 10_000;

function probeResult(path: string, status: number | null, stderr: string, error?: Error): HostCapabilities["bwrap"] {
  if (status === 0) return { path, usable: true };
  const why = (stderr || error?.message || `exit ${status}`).trim().split("\n")[0];
  return { path, usable: false, problem: `bubblewrap at ${path} cannot create a sandbox here (${why}); it needs unprivileged user namespaces or root` };
}

function probeBwrapSync(env: NodeJS.ProcessEnv): HostCapabilities["bwrap"] {
  const found = locateBwrap(env);
  if ("usable" in found) return found;
  const r = spawnSync(found.path, PROBE_ARGS, { encoding: "utf8", timeout: PROBE_TIMEOUT_MS, stdio: ["ignore", "ignore", "pipe"] });
  return probeResult(found.path, r.status, r.stderr, r.error);
}

function probeBwrapAsync(env: NodeJS.ProcessEnv): Promise<HostCapabilities["bwrap"]> {
  const found = locateBwrap(env);
  if ("usable" in found) return Promise.resolve(found);
  return new Promise((resolve) => {
    const child = spawn(found.path, PROBE_ARGS, { timeout: PROBE_TIMEOUT_MS, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let error: Error | undefined;
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err) => (error = err));
    // "close": the exit status and all of stderr; also after a failed spawn.
    child.on("close", (status) => resolve(probeResult(found.path, status, stderr, error)));
  });
}

interface CgroupLine {
  controllers: string[];
  path: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function ownCgroups(): CgroupLine[] {
  return (readText("/proc/self/cgroup") ?? "")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [, ctl = "", ...rest] = l.split(":");
      return { controllers: ctl === "" ? [] : ctl.split(","), path: rest.join(":") };
    });
}

/** Mount points of cgroup file systems: v1 by controller, and the v2 one. */
function cgroupMounts(): { v1: Map<string, string>; v2?: string } {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of (readText("/proc/self/mountinfo") ?? "").split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const mountPoint = line.slice(0, sep).split(" ")[4];
    const [fstype, , superOpts = ""] = line.slice(sep + 3).split(" ");
    if (!mountPoint) continue;
    if (fstype === "cgroup2") v2 ??= mountPoint;
    else if (fstype === "cgroup") for (const o of superOpts.split(",")) if (o === "memory" || o === "pids") v1.set(o, mountPoint);
  }
  return { v1, v2 };
}

const LIMIT_FILE: Record<1 | 2, Record<CgroupResource, string>> = {
  1: { memory: "memory.limit_in_bytes", pids: "pids.max" },
  2: { memory: "memory.max", pids: "pids.max" },
};

/** Makes and removes a cgroup under `parent`; true when it had the resource's limit file. */
function canMakeChild(parent: string, version: 1 | 2, resource: CgroupResource): boolean {
  const dir = join(parent, `orchestrator-probe-${process.pid}-${resource}`);
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") return false;
  }
  try {
    return existsSync(join(dir, LIMIT_FILE[version][resource]));
  } finally {
    try {
      rmdirSync(dir);
    } catch {
      // a probe group left behind is empty and harmless
    }
  }
}

function probeCgroups(env: NodeJS.ProcessEnv): HostCapabilities["cgroup"] {
  const setting = env[CGROUP_ENV];
  if (setting === "none") return { problem: `cgroups turned off (${CGROUP_ENV}=none)` };
  const out: HostCapabilities["cgroup"] = {};
  const problems: string[] = [];
  const mounts = cgroupMounts();
  const own = ownCgroups();
  // v1 (or hybrid): a controller mounted on its own hierarchy; our group in it is the parent.
  if (!setting) {
    for (const resource of ["memory", "pids"] as const) {
      const mount = mounts.v1.get(resource);
      const line = own.find((l) => l.controllers.includes(resource));
      if (!mount || !line) continue;
      const parent = join(mount, line.path);
      if (canMakeChild(parent, 1, resource)) out[resource] = { version: 1, parent };
      else problems.push(`cannot make a ${resource} cgroup under ${parent}`);
    }
  }
  // v2: the delegated directory, or our own group when it may have children with controllers.
  const missing = (["memory", "pids"] as const).filter((r) => !out[r]);
  if (missing.length && mounts.v2) {
    const line = own.find((l) => l.controllers.length === 0);
    const parent = setting ? setting : line ? join(mounts.v2, line.path) : undefined;
    if (parent) {
      const available = (readText(join(parent, "cgroup.controllers")) ?? "").split(/\s+/);
      for (const resource of missing) {
        if (!available.includes(resource)) continue;
        const enabled = (readText(join(parent, "cgroup.subtree_control")) ?? "").split(/\s+/);
        if (!enabled.includes(resource)) {
          try {
            writeFileSync(join(parent, "cgroup.subtree_control"), `+${resource}`);
          } catch {
            problems.push(`cannot enable the ${resource} controller below ${parent} (a cgroup holding processes cannot; set ${CGROUP_ENV} to a delegated, empty cgroup)`);
            continue;
          }
        }
        if (canMakeChild(parent, 2, resource)) out[resource] = { version: 2, parent };
        else problems.push(`cannot make a ${resource} cgroup under ${parent}`);
      }
    }
  }
  for (const r of ["memory", "pids"] as const) if (!out[r] && !problems.some((p) => p.includes(` ${r} `))) problems.push(`no writable ${r} cgroup controller`);
  if (problems.length) out.problem = problems.join("; ");
  return out;
}
