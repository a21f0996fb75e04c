/**
 * @module Workspace spec: where a task runs, which files become task items,
 * and where failure tickets go.
 */
import { isAbsolute, normalize, relative } from "node:path";
import { boolean, describe, healthPolicy, nonEmptyString, object, string, stringList, type KindSpec, type SpecIssue } from "./common.js";

export const workspace: KindSpec = {
  check: checkPathsInside,
  schema: object({
    root_path: describe(nonEmptyString, "The directory steps run in. A relative path is resolved against the project root (the directory holding .orchestrator/); it must exist when a task starts."),
    qa_targets: describe(stringList, "Files and directories, relative to root_path and inside it; every .md file under them becomes a task item."),
    ticket_dir: describe(string, "Where failure tickets are written, relative to root_path; offered to prompts as {ticket_dir}."),
    self_referential: describe(boolean, "The workspace is the orchestrator's own source: a workflow run here needs a checkpoint strategy, auto_rollback and a self_test step, or the task is refused."),
    health_policy: describe(healthPolicy, "The default health policy of agents working in this workspace, for the fields an agent's own leaves out."),
    /** Every workflow run in this workspace snapshots the built output each cycle (as a Workflow's safety.binary_snapshot). */
    binary_snapshot: describe(boolean, "Every workflow run here copies the built output aside at each cycle start, as a Workflow's safety.binary_snapshot does (default false)."),
  }, {
    required: ["root_path"],
    misplaced: { root: "root_path", path: "root_path", tickets_dir: "ticket_dir" },
    description: "Where a task runs, which files become task items, and where failure tickets go.",
  }),
};

/**
 * `ticket_dir` and every `qa_target` must lie inside `root_path`, as written
 * (symbolic links are resolved again when a task is submitted and when a
 * ticket is written): the engine writes tickets there and reads items from
 * there, and a manifest must not point it at the rest of the machine.
 */
function checkPathsInside(spec: Record<string, unknown>): SpecIssue[] {
  const root = typeof spec["root_path"] === "string" ? spec["root_path"] : undefined;
  if (root === undefined) return [];
  const issues: SpecIssue[] = [];
  const check = (value: unknown, path: Array<string | number>, what: string): void => {
    if (typeof value !== "string" || value === "") return;
    if (escapesRoot(root, value)) {
      issues.push({ path, message: `${what} '${value}' is outside the workspace root '${root}'`, hint: `give a path inside root_path, relative to it (for example ${what === "ticket_dir" ? "docs/tickets" : "docs/qa"})` });
    }
  };
  check(spec["ticket_dir"], ["ticket_dir"], "ticket_dir");
  if (Array.isArray(spec["qa_targets"])) spec["qa_targets"].forEach((t, i) => check(t, ["qa_targets", i], "qa target"));
  return issues;
}

/** True when `path` (relative to `root`, or absolute) names a place outside `root`. */
export function escapesRoot(root: string, path: string): boolean {
  if (isAbsolute(path)) {
    // An absolute path can be judged only against an absolute root.
    if (!isAbsolute(root)) return true;
    const rel = relative(normalize(root), normalize(path));
    return rel === ".." || rel.startsWith("../") || isAbsolute(rel);
  }
  const rel = normalize(path);
  return rel === ".." || rel.startsWith("../");
}
