/**
 * @module `safety.profile` of a Workflow: `standard` (the default) or
 * `self_referential_probe`, upstream's narrow shape for probing a
 * self-referential workspace (one that holds the orchestrator's own
 * source). A probe is a single-pass, linear, auditable run: git-tag
 * checkpoints, `loop.mode: once`, task-scoped command steps plus the builtin
 * `self_test`, no chains, none of the QA, fix or orchestration phases; and
 * it runs only against a workspace marked `self_referential: true`. The
 * shape is checked at validation, the workspace when the task starts. Each
 * problem names upstream's rule id.
 */
import { inferStepScope, stepRunner } from "./defaults.js";
import type { JsonObject } from "./types.js";

export const SAFETY_PROFILES = ["standard", "self_referential_probe"] as const;

export interface ProbeIssue {
  path: Array<string | number>;
  rule: string;
  message: string;
  hint: string;
}

/** Step ids a probe may not have: phases and orchestration builtins that widen it beyond a narrow validation run. */
const FORBIDDEN_PHASES = new Set(["qa", "qa_testing", "fix", "ticket_fix", "retest", "guard", "build", "test", "lint", "smoke_chain", "ticket_scan", "init_once", "loop_guard"]);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function isProbe(spec: Record<string, unknown>): boolean {
  const safety = spec["safety"];
  return isObj(safety) && safety["profile"] === "self_referential_probe";
}

/** What a `self_referential_probe` workflow's shape breaks (nothing for another profile). */
export function probeShapeIssues(spec: Record<string, unknown>): ProbeIssue[] {
  if (!isProbe(spec)) return [];
  const out: ProbeIssue[] = [];
  const safety = spec["safety"] as Record<string, unknown>;
  if (safety["checkpoint_strategy"] !== "git_tag") {
    out.push({ path: ["safety", "checkpoint_strategy"], rule: "self_ref.probe_requires_git_tag_checkpoint", message: `uses self_referential_probe but safety.checkpoint_strategy is ${String(safety["checkpoint_strategy"] ?? "none")}, not git_tag`, hint: "set safety.checkpoint_strategy: git_tag: a probe needs a tagged checkpoint to roll back to" });
  }
  const loop = spec["loop"];
  const mode = isObj(loop) && typeof loop["mode"] === "string" ? loop["mode"] : "once";
  if (mode !== "once") out.push({ path: ["loop", "mode"], rule: "self_ref.probe_requires_loop_mode_once", message: `uses self_referential_probe but loop.mode is ${mode}, not once`, hint: "set loop.mode: once: a probe is a single pass" });
  const steps = Array.isArray(spec["steps"]) ? spec["steps"] : [];
  steps.forEach((raw, i) => {
    if (!isObj(raw) || raw["enabled"] === false) return;
    const step = raw as JsonObject;
    const id = typeof step["id"] === "string" ? step["id"] : "";
    const scope = typeof step["scope"] === "string" ? step["scope"] : inferStepScope(id);
    if (scope !== "task") out.push({ path: ["steps", i, "scope"], rule: "self_ref.probe_task_scope_only", message: `uses self_referential_probe but step '${id}' is ${scope}-scoped`, hint: `set step '${id}' scope: task: a probe does not fan out over items` });
    if (Array.isArray(step["chain_steps"]) && step["chain_steps"].length > 0) {
      out.push({ path: ["steps", i, "chain_steps"], rule: "self_ref.probe_no_chain_steps", message: `uses self_referential_probe but step '${id}' has chain_steps`, hint: `remove chain_steps from step '${id}': a probe stays linear` });
    }
    const runner = stepRunner(step);
    const command = typeof step["command"] === "string" && !runner.builtin && !runner.capability;
    if (!command && runner.builtin !== "self_test") {
      const what = runner.builtin ? `builtin ${runner.builtin}` : runner.capability ? `agent step (${runner.capability})` : "neither a command nor self_test";
      out.push({ path: ["steps", i], rule: "self_ref.probe_command_steps_only", message: `uses self_referential_probe but step '${id}' is ${what}`, hint: `make step '${id}' a command step, or keep only the builtin self_test` });
    }
    if (FORBIDDEN_PHASES.has(id)) out.push({ path: ["steps", i, "id"], rule: "self_ref.probe_forbidden_phase", message: `uses self_referential_probe but step '${id}' is a phase a probe may not have`, hint: `remove or rename step '${id}'` });
  });
  return out;
}

/** Why a probe may not run against this workspace, or undefined when it may. */
export function probeWorkspaceProblem(workflow: string, spec: Record<string, unknown>, workspace: { name: string; selfReferential: boolean }): string | undefined {
  if (!isProbe(spec) || workspace.selfReferential) return undefined;
  return `self_ref.probe_requires_self_referential_workspace: workflow '${workflow}' uses safety.profile self_referential_probe but workspace '${workspace.name}' is not self_referential; mark the workspace self_referential: true or use the standard safety profile`;
}
