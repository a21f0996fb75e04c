/**
 * @module The engine's side of a step's ExecutionProfile: which profile a
 * step runs under (its own `execution_profile`, the one `run --profile`
 * gave it, or the implicit host), the profile's own environment, opening
 * the boundary (src/sandbox/boundary.ts), and what the run records about
 * it: the profile and how each field was enforced, and every denial, also
 * as a `sandbox_denied` event; a profile this host cannot enforce is a
 * `sandbox_unsupported` event and a failed step, never an unconfined run.
 */
import { join } from "node:path";
import { ageKeyPath } from "../../reconcile/age-keys.js";
import type { JsonObject } from "../../resources/types.js";
import type { NewEvent } from "../../store/store.js";
import { BoundarySetupError, BoundaryUnsupportedError, openBoundary, type StepBoundary } from "../../sandbox/boundary.js";
import type { SandboxDenial } from "../../sandbox/denials.js";
import type { EnforcementPlan } from "../../sandbox/enforcement.js";
import { warmHostProbe } from "../../sandbox/host-probe.js";
import { IMPLICIT_HOST_PROFILE, profileFromSpec, type ExecutionProfile } from "../../sandbox/profile.js";
import type { PlannedStep } from "../plan/types.js";
import { resolveAgentEnv, type AgentEnv } from "./agent-env.js";
import type { TaskContext } from "./task-context.js";

/** The step's profile could not be found or opened; the message is the run's reason. */
export class StepProfileError extends Error {
  override name = "StepProfileError";
  constructor(
    message: string,
    readonly reasonCode?: string,
  ) {
    super(message);
  }
}

export interface StepProfile {
  profile: ExecutionProfile;
  /** The profile's `env`, resolved like an agent's. */
  env: AgentEnv;
}

/** The profile a step runs under; throws StepProfileError when it names one that no longer exists. */
export function stepProfile(ctx: TaskContext, step: PlannedStep): StepProfile {
  const name = step.spec.execution_profile;
  if (!name) return { profile: IMPLICIT_HOST_PROFILE, env: { env: {}, secrets: [] } };
  const resource = ctx.profiles.get(name);
  if (!resource) throw new StepProfileError(`execution profile '${name}' not found in project '${ctx.project}'`);
  let env: AgentEnv;
  try {
    env = resolveAgentEnv(resource, ctx.envStores, `execution profile '${name}'`, { env: process.env, baseDir: ctx.home.root });
  } catch (err) {
    throw new StepProfileError((err as Error).message);
  }
  return { profile: profileFromSpec(name, resource.spec), env };
}

/**
 * Starts the host probe when a step of the task (or of a chain in it) names a
 * sandbox profile: bubblewrap's trial run overlaps the task's start instead of
 * delaying its first sandboxed step. Host-only tasks never probe.
 */
export function warmSandboxProbe(ctx: TaskContext): void {
  const sandboxed = (steps: readonly PlannedStep[]): boolean =>
    steps.some((s) => {
      const name = s.spec.execution_profile;
      return (name !== undefined && ctx.profiles.get(name)?.spec["mode"] === "sandbox") || sandboxed(s.chain);
    });
  if (sandboxed(ctx.plan.steps)) warmHostProbe();
}

/** Opens the step's boundary; a host that cannot enforce it, or a boundary that cannot be drawn, throws StepProfileError. */
export async function openStepBoundary(ctx: TaskContext, profile: ExecutionProfile, runId: string): Promise<StepBoundary> {
  try {
    return await openBoundary({ profile, runId, workspace: ctx.workspace.root, home: ctx.home.dir, secretKey: ctx.home.keyPath, secrets: keyMaterial(ctx.home.dir), storeUrl: ctx.home.storeUrlPath, reveal: [ctx.logDir, ctx.spillDir] });
  } catch (err) {
    if (err instanceof BoundaryUnsupportedError) throw new StepProfileError(err.message, err.reasonCode);
    if (err instanceof BoundarySetupError) throw new StepProfileError(`sandbox: ${err.message}`);
    throw err;
  }
}

/** What a run records about its boundary (`output.profile`, `output.denials`). */
export function boundaryRecord(plan: EnforcementPlan | undefined, profile: ExecutionProfile, denials: readonly SandboxDenial[]): JsonObject {
  // `declared: false`: the implicit host of a step that names no profile.
  const p: JsonObject = { name: profile.name, declared: profile.declared, mode: profile.mode };
  if (profile.mode === "sandbox") {
    p["fs_mode"] = profile.fsMode;
    p["network_mode"] = profile.networkMode;
    if (plan) p["enforced"] = plan.fields.map((f) => ({ field: f.field, value: f.value, detail: f.detail }));
  }
  const out: JsonObject = { profile: p };
  if (denials.length) out["denials"] = denials.map(denialJson);
  return out;
}

function denialJson(d: SandboxDenial): JsonObject {
  const j: JsonObject = { reason_code: d.reasonCode, message: d.message, source: d.source };
  if (d.target) j["target"] = d.target;
  if (d.path) j["path"] = d.path;
  if (d.limit) j["limit"] = d.limit;
  if (d.excerpt) j["excerpt"] = d.excerpt;
  if (d.count !== undefined) j["count"] = d.count;
  return j;
}

/** One `sandbox_denied` event per denial, tied to the task and run. */
export function denialEvents(ctx: TaskContext, step: PlannedStep, runId: string, profile: ExecutionProfile, denials: readonly SandboxDenial[]): NewEvent[] {
  return denials.map((d) => ({
    type: "sandbox_denied",
    project: ctx.project,
    taskId: ctx.task.id,
    runId,
    message: `${d.reasonCode}: step ${step.id}: ${d.message}`,
    data: { ...denialJson(d), step: step.id, profile: profile.name },
  }));
}

export function unsupportedEvent(ctx: TaskContext, step: PlannedStep, runId: string, profile: ExecutionProfile, message: string): NewEvent {
  return {
    type: "sandbox_unsupported",
    project: ctx.project,
    taskId: ctx.task.id,
    runId,
    message: `step ${step.id}: ${message}`,
    data: { reason_code: "unsupported_backend_feature", step: step.id, profile: profile.name },
  };
}

/** The keyring's other keys and the age identity: never within a step's reach. */
function keyMaterial(homeDir: string): string[] {
  const age = ageKeyPath(homeDir);
  return [join(homeDir, "secret-keys"), ...(age ? [age] : [])];
}
