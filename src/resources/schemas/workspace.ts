/**
 * @module Workspace spec: where a task runs, which files become task items,
 * and where failure tickets go.
 */
import { isAbsolute, normalize, relative } from "node:path";
import { boolean, loose, nonEmptyString, object, string, stringList, type KindSpec, type SpecIssue } from "./common.js";

export const workspace: KindSpec = {
  check: checkPathsInside,
  schema: object({
    root_path: nonEmptyString,
    qa_targets: stringList,
    ticket_dir: string,
    self_referential: boolean,
    health_policy: loose,
    /** Seen in upstream fixtures; upstream ignores it here (it belongs to a Workflow's safety). */
    binary_snapshot: boolean,
  }, { required: ["root_path"], misplaced: { root: "root_path", path: "root_path", tickets_dir: "ticket_dir" } }),
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
