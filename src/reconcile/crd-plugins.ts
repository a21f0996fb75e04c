/**
 * @module CustomResourceDefinition hooks and plugins: commands a CRD asks
 * the orchestrator to run on the host. Whether it may is the plugin policy's
 * call (`.orchestrator/plugin-policy.yaml`, as upstream's): `mode: deny`
 * (the default: no CRD command runs, so a CRD that has any is refused at
 * apply), `allowlist` (commands starting with one of
 * `allowed_command_prefixes`) or `allow_all`; commands using command
 * substitution, piping into a shell or reaching for the network or the
 * password files are refused whatever the mode. Plugins of type interceptor
 * and transformer act on webhook requests, which this orchestrator does not
 * receive: they are refused at apply as not offered. Hooks run before the
 * change they are about is committed; a failing hook refuses it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { parse as parseYaml } from "yaml";
import type { JsonObject, JsonValue } from "../resources/types.js";

export const PLUGIN_POLICY_FILE = "plugin-policy.yaml";

export interface PluginPolicy {
  mode: "deny" | "allowlist" | "allow_all";
  allowedPrefixes: string[];
  /** Where it was read from, for messages. */
  source: string;
}

/** Refused in every mode: ways a command reaches beyond what its text says. */
const DENIED: ReadonlyArray<[RegExp, string]> = [
  [/\$\(|`/, "command substitution"],
  [/\|\s*(sh|bash|zsh)\b/, "piping into a shell"],
  [/\b(curl|wget|nc|ncat|socat)\b/, "a network tool"],
  [/\/etc\/(passwd|shadow)/, "the password files"],
];

export class PluginPolicyError extends Error {
  override name = "PluginPolicyError";
}

export function loadPluginPolicy(homeDir: string | undefined): PluginPolicy {
  if (!homeDir) return { mode: "deny", allowedPrefixes: [], source: "the default policy" };
  const path = join(homeDir, PLUGIN_POLICY_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { mode: "deny", allowedPrefixes: [], source: `the default policy (no ${path})` };
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new PluginPolicyError(`${path}: ${(err as Error).message}`);
  }
  const obj = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const mode = obj["mode"] ?? "deny";
  if (mode !== "deny" && mode !== "allowlist" && mode !== "allow_all") throw new PluginPolicyError(`${path}: mode must be deny, allowlist or allow_all, not ${JSON.stringify(mode)}`);
  const prefixes = Array.isArray(obj["allowed_command_prefixes"]) ? obj["allowed_command_prefixes"].filter((p): p is string => typeof p === "string" && p !== "") : [];
  return { mode, allowedPrefixes: prefixes, source: path };
}

/** Why the policy refuses `command`, or undefined when it may run. */
export function policyRefusal(policy: PluginPolicy, command: string): string | undefined {
  const denied = DENIED.find(([re]) => re.test(command));
  if (denied) return `it uses ${denied[1]}, which no policy allows`;
  if (policy.mode === "allow_all") return undefined;
  if (policy.mode === "allowlist" && policy.allowedPrefixes.some((p) => command.trim().startsWith(p))) return undefined;
  return policy.mode === "deny"
    ? `${policy.source} runs no CRD command (mode: deny); allow it in .orchestrator/${PLUGIN_POLICY_FILE} with mode: allowlist and allowed_command_prefixes`
    : `it starts with none of the allowed_command_prefixes of ${policy.source} (${policy.allowedPrefixes.join(", ") || "none"})`;
}

export interface CrdCommand {
  what: string;
  path: Array<string | number>;
  command: string;
}

const obj = (v: JsonValue | undefined): JsonObject | undefined => (v && typeof v === "object" && !Array.isArray(v) ? v : undefined);

/** Every command a CRD spec would have run, with where it is written. */
export function crdCommands(spec: JsonObject): CrdCommand[] {
  const out: CrdCommand[] = [];
  const hooks = obj(spec["hooks"]);
  for (const h of ["on_create", "on_update", "on_delete"]) {
    const c = hooks?.[h];
    if (typeof c === "string") out.push({ what: `hook ${h}`, path: ["spec", "hooks", h], command: c });
  }
  (Array.isArray(spec["plugins"]) ? spec["plugins"] : []).forEach((p, i) => {
    const plugin = obj(p);
    if (typeof plugin?.["command"] === "string") out.push({ what: `plugin '${String(plugin["name"] ?? i)}'`, path: ["spec", "plugins", i, "command"], command: plugin["command"] });
  });
  return out;
}

/** Why a CRD cannot be applied here: plugins that act on webhooks, and commands the policy refuses. */
export function crdRefusals(spec: JsonObject, policy: PluginPolicy): Array<{ path: Array<string | number>; message: string; hint: string }> {
  const out: Array<{ path: Array<string | number>; message: string; hint: string }> = [];
  (Array.isArray(spec["plugins"]) ? spec["plugins"] : []).forEach((p, i) => {
    const plugin = obj(p);
    const type = plugin?.["type"];
    if (type === "interceptor" || type === "transformer") {
      out.push({ path: ["spec", "plugins", i, "type"], message: `plugin '${String(plugin?.["name"] ?? i)}' is a webhook ${String(type)} (phase ${String(plugin?.["phase"] ?? "?")}); webhook plugins are not offered: this orchestrator receives no webhook requests`, hint: "remove the interceptor and transformer plugins; cron plugins and hooks are offered (docs/advanced.md)" });
    }
  });
  for (const c of crdCommands(spec)) {
    const why = policyRefusal(policy, c.command);
    if (why) out.push({ path: c.path, message: `${c.what} may not run: ${why}`, hint: `the plugin policy is .orchestrator/${PLUGIN_POLICY_FILE} (docs/advanced.md)` });
  }
  return out;
}

/** The hooks of each custom kind the CRDs define, by kind. */
export function hooksByKind(crds: ReadonlyArray<{ spec: JsonObject }>): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  for (const c of crds) {
    const hooks = obj(c.spec["hooks"]);
    if (hooks && typeof c.spec["kind"] === "string") out.set(c.spec["kind"], hooks);
  }
  return out;
}

export type HookAction = "create" | "update" | "delete";

/**
 * Runs a hook (`sh -c`, in `cwd`) with the resource in its environment;
 * throws with the reason when the policy (read again now) refuses it or it
 * fails.
 */
export async function runCrdHook(command: string, cwd: string, homeDir: string | undefined, env: { kind: string; name: string; project: string; action: HookAction; spec: JsonObject }, timeoutMs = 30_000): Promise<void> {
  const refusal = policyRefusal(loadPluginPolicy(homeDir), command);
  if (refusal) throw new Error(`on_${env.action} hook of ${env.kind}/${env.name} may not run: ${refusal}`);
  const r = await execa("/bin/sh", ["-c", command], {
    cwd,
    reject: false,
    timeout: timeoutMs,
    stdin: "ignore",
    env: { RESOURCE_KIND: env.kind, RESOURCE_NAME: env.name, RESOURCE_PROJECT: env.project, RESOURCE_ACTION: env.action, RESOURCE_SPEC: JSON.stringify(env.spec) },
  });
  if (r.timedOut) throw new Error(`on_${env.action} hook of ${env.kind}/${env.name} timed out after ${timeoutMs / 1000}s`);
  if (r.exitCode !== 0) {
    const why = String(r.stderr).trim().split("\n").slice(-3).join(" ");
    throw new Error(`on_${env.action} hook of ${env.kind}/${env.name} failed (exit ${r.exitCode ?? "?"})${why ? `: ${why}` : ""}`);
  }
}
