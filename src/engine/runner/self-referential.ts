/**
 * @module Upstream's self-referential safety policy: a workflow run against
 * a workspace marked `self_referential: true` (one holding the
 * orchestrator's own source) must be able to recover from breaking it. It
 * needs a checkpoint strategy, `auto_rollback` and an enabled builtin
 * `self_test` step, or the task does not start; without `binary_snapshot`
 * (the workflow's or the workspace's) it starts with a warning. Each
 * problem carries upstream's rule id.
 */
import type { PlannedStep, WorkflowSpec } from "../plan/types.js";

export interface SelfReferentialVerdict {
  errors: string[];
  warnings: string[];
}

function hasSelfTest(steps: readonly PlannedStep[]): boolean {
  return steps.some((s) => (s.mode === "builtin" && s.builtin === "self_test") || hasSelfTest(s.chain));
}

export function selfReferentialVerdict(workflow: string, spec: WorkflowSpec, steps: readonly PlannedStep[], workspace: { name: string; selfReferential: boolean; binarySnapshot: boolean }): SelfReferentialVerdict {
  const verdict: SelfReferentialVerdict = { errors: [], warnings: [] };
  if (!workspace.selfReferential) return verdict;
  const safety = spec.safety ?? {};
  const scope = `workflow '${workflow}' targets self_referential workspace '${workspace.name}'`;
  const strategy = safety["checkpoint_strategy"];
  if (strategy !== "git_tag" && strategy !== "git_stash") verdict.errors.push(`self_ref.checkpoint_strategy_required: ${scope} but safety.checkpoint_strategy is ${String(strategy ?? "none")}; set it to git_tag or git_stash`);
  if (safety["auto_rollback"] !== true) verdict.errors.push(`self_ref.auto_rollback_required: ${scope} but safety.auto_rollback is off; set safety.auto_rollback: true`);
  if (!hasSelfTest(steps)) verdict.errors.push(`self_ref.self_test_required: ${scope} but has no enabled self_test step; add a step with builtin: self_test`);
  if (safety["binary_snapshot"] !== true && !workspace.binarySnapshot) verdict.warnings.push(`self_ref.binary_snapshot_recommended: ${scope} without safety.binary_snapshot; a broken build can then only be recovered from the git checkpoint`);
  return verdict;
}
