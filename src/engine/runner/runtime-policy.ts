/**
 * @module The RuntimePolicy a task runs under and what it changes: the
 * shell step commands are started with (`runner.shell`, `runner.shell_arg`,
 * held to `allowed_shells`/`allowed_shell_args` under `policy: allowlist`),
 * the part of the controller's environment steps inherit
 * (`runner.env_allowlist`), text redacted from logs and output
 * (`runner.redaction_patterns`), and whether a task interrupted by a
 * stopped or dead controller is queued again on its own (`resume.auto`).
 *
 * A project uses its own RuntimePolicy, or the default project's; one per
 * project. Without any, the built-in settings: `/bin/sh -c`, the whole
 * environment, automatic resume.
 */
import type { JsonObject, Resource } from "../../resources/types.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import type { Store } from "../../store/store.js";

export interface RuntimeSettings {
  /** `project/name` of the policy applied, or undefined for the built-in settings. */
  policy?: string;
  shell: string;
  shellArg: string;
  /** Names of the controller's variables a step inherits; undefined for all of them. */
  envAllowlist?: string[];
  /** Literal text replaced by `[REDACTED]` in step logs and output. */
  redact: string[];
  /** Queue an interrupted task again on its own (true), or leave it paused for `task resume`. */
  resumeAuto: boolean;
}

export const BUILT_IN_RUNTIME: RuntimeSettings = { shell: "/bin/sh", shellArg: "-c", redact: [], resumeAuto: true };

export class RuntimePolicyError extends Error {
  override name = "RuntimePolicyError";
}

const obj = (v: unknown): JsonObject => (v && typeof v === "object" && !Array.isArray(v) ? (v as JsonObject) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : []);

/** The settings a RuntimePolicy's spec gives, over the built-in ones. */
export function runtimeSettingsOf(resource: Resource): RuntimeSettings {
  const runner = obj(resource.spec["runner"]);
  const resume = obj(resource.spec["resume"]);
  const settings: RuntimeSettings = {
    policy: `${resource.metadata.project ?? DEFAULT_PROJECT}/${resource.metadata.name}`,
    shell: typeof runner["shell"] === "string" ? runner["shell"] : BUILT_IN_RUNTIME.shell,
    shellArg: typeof runner["shell_arg"] === "string" ? runner["shell_arg"] : BUILT_IN_RUNTIME.shellArg,
    redact: strings(runner["redaction_patterns"]).filter((p) => p.length > 0),
    resumeAuto: typeof resume["auto"] === "boolean" ? resume["auto"] : BUILT_IN_RUNTIME.resumeAuto,
  };
  const allow = strings(runner["env_allowlist"]);
  if (allow.length) settings.envAllowlist = allow;
  // Validation refuses a shell outside the allowlist; a policy stored before that rule still must not start one.
  if (runner["policy"] === "allowlist") {
    if (!strings(runner["allowed_shells"]).includes(settings.shell)) throw new RuntimePolicyError(`runner.shell '${settings.shell}' is not in runner.allowed_shells of runtime policy ${settings.policy}`);
    if (!strings(runner["allowed_shell_args"]).includes(settings.shellArg)) throw new RuntimePolicyError(`runner.shell_arg '${settings.shellArg}' is not in runner.allowed_shell_args of runtime policy ${settings.policy}`);
  }
  return settings;
}

/** The policy resource of a project: its own, else the default project's; more than one in a project is an error. */
export function runtimePolicyResource(store: Store, project: string): Resource | undefined {
  for (const p of project === DEFAULT_PROJECT ? [project] : [project, DEFAULT_PROJECT]) {
    const found = store.listResources({ project: p, kind: "RuntimePolicy" });
    if (found.length > 1) throw new RuntimePolicyError(`project '${p}' has ${found.length} RuntimePolicies (${found.map((r) => r.metadata.name).join(", ")}); a project has at most one`);
    if (found[0]) return found[0];
  }
  return undefined;
}

export function resolveRuntimeSettings(store: Store, project: string): RuntimeSettings {
  const r = runtimePolicyResource(store, project);
  return r ? runtimeSettingsOf(r) : BUILT_IN_RUNTIME;
}

/**
 * The process options a step gets from the settings: its shell, and with an
 * env allowlist the inherited part of the environment, given whole (the
 * step's own variables are added to it).
 */
export function runnerOptions(settings: RuntimeSettings, controllerEnv: NodeJS.ProcessEnv = process.env): { shell?: [string, string]; inherited?: Record<string, string> } {
  const out: { shell?: [string, string]; inherited?: Record<string, string> } = {};
  if (settings.shell !== BUILT_IN_RUNTIME.shell || settings.shellArg !== BUILT_IN_RUNTIME.shellArg) out.shell = [settings.shell, settings.shellArg];
  if (settings.envAllowlist) {
    const inherited: Record<string, string> = {};
    for (const name of settings.envAllowlist) {
      const v = controllerEnv[name];
      if (v !== undefined) inherited[name] = v;
    }
    out.inherited = inherited;
  }
  return out;
}

/**
 * Whether a task of the project interrupted by a stopped or dead controller
 * is queued again on its own. A policy that cannot be read (two in one
 * project) does not hold a task back: it fails with that reason when it runs.
 */
export function resumesOnItsOwn(store: Store, project: string): boolean {
  try {
    return resolveRuntimeSettings(store, project).resumeAuto;
  } catch {
    return true;
  }
}

/** The message of a task left paused because its policy has `resume.auto: false`. */
export function heldMessage(why: string): string {
  return `${why}; not resumed on its own (runtime policy resume.auto: false): continue it with \`orchestrator task resume\``;
}
