/**
 * @module The boundary one step runs in, from opening to closing. Opening
 * checks that this host can enforce every field of the profile (or fails
 * with `unsupported_backend_feature` before anything runs), draws the
 * paths, makes the step's cgroup and starts the allowlist proxy, and gives
 * the launcher the step's shell is started through:
 *
 *   bwrap ARGS -- [node network-bridge.js SOCKET --] [sh -c JOIN-CGROUPS]
 *                 [prlimit LIMITS --] /bin/sh -c COMMAND
 *
 * Closing reads what was refused (proxy, cgroup counters, output) and
 * removes what opening made. A host profile opens to nothing: no launcher.
 */
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bwrapArgs } from "./bwrap-args.js";
import { createStepCgroup, type StepCgroup } from "./cgroup.js";
import { classifyDenials, type SandboxDenial, type StepEnd } from "./denials.js";
import { planEnforcement, unsupportedMessage, UNSUPPORTED_BACKEND_FEATURE, type EnforcementPlan } from "./enforcement.js";
import { probeHostAsync, type HostCapabilities } from "./host-probe.js";
import { startAllowlistProxy, type AllowlistProxy } from "./network-proxy.js";
import type { ExecutionProfile } from "./profile.js";

export interface BoundaryRequest {
  profile: ExecutionProfile;
  /** Names the step's cgroup. */
  runId: string;
  workspace: string;
  /** The orchestrator's state folder, hidden from sandboxed steps. */
  home?: string;
  /** Its secret key. */
  secretKey?: string;
  /** More key files and folders to hide (the keyring, the age identity); those that exist are hidden. */
  secrets?: readonly string[];
  /** The shared store's URL file (it may hold a password). */
  storeUrl?: string;
  /** Directories inside `home` the step reads (made if missing). */
  reveal?: readonly string[];
  /** The environment the host probe reads (`ORCHESTRATOR_BWRAP`, ...). */
  env?: NodeJS.ProcessEnv;
}

export interface StepBoundary {
  plan: EnforcementPlan;
  /** Program and arguments the step's `/bin/sh -c COMMAND` is appended to; empty on the host. */
  launcher: string[];
  /** Added to the step's environment. */
  env: Record<string, string>;
  /** `[orchestrator]` lines for the step's log. */
  notes: string[];
  /** What the boundary refused; removes the cgroup, proxy and runtime directory. Call once, also when the step never started. */
  close(end?: StepEnd): Promise<SandboxDenial[]>;
}

/** The host cannot enforce the profile: the step must not run. */
export class BoundaryUnsupportedError extends Error {
  override name = "BoundaryUnsupportedError";
  readonly reasonCode = UNSUPPORTED_BACKEND_FEATURE;
  constructor(readonly plan: EnforcementPlan) {
    super(unsupportedMessage(plan));
  }
}

/** The boundary could not be drawn for this step (a writable path outside the workspace, a cgroup that could not be made). */
export class BoundarySetupError extends Error {
  override name = "BoundarySetupError";
}

/** What a host profile's plan is drawn against: it reads nothing of it. */
const HOST_ONLY: HostCapabilities = { platform: process.platform, root: false, bwrap: { path: "", usable: false }, cgroup: {}, node: process.execPath };

const JOIN_CGROUPS = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo 0 > "$1" || { echo "orchestrator sandbox: cannot join the step cgroup ($1)" >&2; exit 125; }; shift; n=$((n-1)); done; exec "$@"';

const within = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);

/** The compiled bridge; from TypeScript sources (tests), the build's copy. */
export function networkBridgeScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".js")) return join(dirname(here), "network-bridge.js");
  return resolve(dirname(here), "../../dist/src/sandbox/network-bridge.js");
}

export async function openBoundary(req: BoundaryRequest): Promise<StepBoundary> {
  // A host step needs nothing of the host: it does not wait for (or start) the probe.
  if (req.profile.mode === "host") return { plan: planEnforcement(req.profile, HOST_ONLY), launcher: [], env: {}, notes: [], close: async () => [] };
  const caps = await probeHostAsync(req.env);
  const plan = planEnforcement(req.profile, caps);
  if (plan.unsupported.length) throw new BoundaryUnsupportedError(plan);

  const profile = req.profile;
  const workspace = realpathSync(req.workspace);
  const writable = profile.fsMode === "workspace_rw_scoped" ? profile.writablePaths.map((p) => writablePath(workspace, p)) : [];
  for (const r of req.reveal ?? []) mkdirSync(r, { recursive: true });

  const cgLimits = {
    ...(plan.memory === "cgroup" ? { memoryMb: profile.limits.memoryMb! } : {}),
    ...(plan.processes === "cgroup" ? { processes: profile.limits.processes! } : {}),
  };
  // Only a proxy socket or cgroup files need a runtime directory; a step without either is spared the mount.
  const runtimeDir = profile.networkMode === "allowlist" || Object.keys(cgLimits).length ? mkdtempSync(join(tmpdir(), "orchestrator-sandbox-")) : undefined;
  let cgroup: StepCgroup | undefined;
  let proxy: AllowlistProxy | undefined;
  const cleanup = async (): Promise<void> => {
    await proxy?.close();
    await cgroup?.remove();
    if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
  };
  try {
    const binds: Array<{ source: string; target: string }> = [];
    if (Object.keys(cgLimits).length) {
      try {
        cgroup = createStepCgroup(caps, `orchestrator-${req.runId}`, cgLimits);
      } catch (err) {
        throw new BoundarySetupError((err as Error).message);
      }
      for (const f of cgroup.procsFiles) {
        const target = join(runtimeDir!, `${f.resource}.procs`);
        writeFileSync(target, "");
        binds.push({ source: f.path, target });
      }
    }
    const socket = runtimeDir ? join(runtimeDir, "proxy.sock") : "";
    if (profile.networkMode === "allowlist") proxy = await startAllowlistProxy(socket, profile.allowlist);

    const hidden = secretPaths(req.secrets ?? []);
    const paths = { workspace, writable, reveal: req.reveal ?? [], binds, ...hidden, ...(req.home ? { home: req.home } : {}), ...(req.secretKey && existsSync(req.secretKey) ? { secretKey: req.secretKey } : {}), ...(req.storeUrl && existsSync(req.storeUrl) ? { storeUrl: req.storeUrl } : {}), ...(runtimeDir ? { runtimeDir } : {}), ...(proxy ? { tools: [caps.node, networkBridgeScript()] } : {}) };
    const launcher = [caps.bwrap.path, ...bwrapArgs(profile, paths)];
    if (proxy) launcher.push(caps.node, networkBridgeScript(), socket, "--");
    if (binds.length) launcher.push("/bin/sh", "-c", JOIN_CGROUPS, "orchestrator-sandbox", String(binds.length), ...binds.map((b) => b.target));
    const rlimits = rlimitFlags(plan);
    if (rlimits.length) launcher.push(caps.prlimit!, ...rlimits, "--");

    const enforced = plan.fields.map((f) => `${f.field}=${f.value}`).join(" ");
    return {
      plan,
      launcher,
      env: { ORCHESTRATOR_SANDBOX: profile.name },
      notes: [`sandbox: profile ${profile.name}: ${enforced}`],
      close: async (end) => {
        const counters = cgroup?.counters();
        const refusals = proxy?.refusals() ?? [];
        await cleanup();
        return end ? classifyDenials(plan, end, counters, refusals) : [];
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** prlimit flags for the limits held per process. */
function rlimitFlags(plan: EnforcementPlan): string[] {
  const { memoryMb, processes, cpuSeconds, openFiles } = plan.profile.limits;
  const flags: string[] = [];
  if (memoryMb !== undefined && plan.memory === "rlimit") flags.push(`--as=${memoryMb * 1024 * 1024}`);
  if (processes !== undefined && plan.processes === "rlimit") flags.push(`--nproc=${processes}`);
  // Soft then hard a second later: SIGXCPU says why before SIGKILL would.
  if (cpuSeconds !== undefined) flags.push(`--cpu=${cpuSeconds}:${cpuSeconds + 1}`);
  if (openFiles !== undefined) flags.push(`--nofile=${openFiles}:${openFiles}`);
  return flags;
}

/**
 * A writable path as an absolute real path inside the workspace, made if
 * missing. Checked before making it (a symlinked parent must not lead out)
 * and after (the path itself must not be a link out).
 */
function writablePath(workspace: string, rel: string): string {
  const abs = resolve(workspace, rel);
  let existing = abs;
  while (!existsSync(existing)) existing = dirname(existing);
  const outside = (p: string): boolean => !within(realpathSync(p), workspace);
  if (outside(existing)) throw new BoundarySetupError(`writable path '${rel}' leads outside the workspace (${realpathSync(existing)}); writable paths stay inside ${workspace}`);
  mkdirSync(abs, { recursive: true });
  const real = realpathSync(abs);
  if (!within(real, workspace)) throw new BoundarySetupError(`writable path '${rel}' resolves to ${real}, outside the workspace ${workspace}`);
  return real;
}

/** The given secret paths that exist, as files and folders. */
function secretPaths(paths: readonly string[]): { secretFiles: string[]; secretDirs: string[] } {
  const out = { secretFiles: [] as string[], secretDirs: [] as string[] };
  for (const p of paths) {
    try {
      (statSync(p).isDirectory() ? out.secretDirs : out.secretFiles).push(p);
    } catch {
      // Not there: nothing to hide.
    }
  }
  return out;
}
